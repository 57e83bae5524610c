import Foundation

extension KneeAnatomy {
    /// Paints the cross-section at `z` (mm, medial −, lateral +) of a slice of thickness
    /// `thickness` into `canvas`, back to front: body fat, muscles, effusion, vessels, cartilage,
    /// bones, menisci, tendons, PCL and dark distractor bands, then the ACL.
    func render(into canvas: inout Canvas, z: Float, thickness: Float) {
        let t = tissue
        let az = abs(z)
        let jc = jointHalf + cartilage            // bone surfaces sit at v = ∓jc
        func slab(_ c: Float, _ h: Float) -> Float { slabFraction(z: z, thickness: thickness, lo: c - h, hi: c + h) }

        // Body: thigh, knee and calf, blended; narrower towards the medial and lateral skin.
        let bodyP = 0.55 + 0.45 * roundProfile(z: z, centre: 0, halfWidth: 80 * k)
        let thigh = RoundedBox(10 * k, -120 * k, (58 * k + bodyAnterior / 2 + bodyPosterior / 2) * bodyP, 85 * k, radius: 30 * k)
        let knee = Ellipse(6 * k + (bodyPosterior - bodyAnterior) / 2, -4 * k,
                           (54 * k + (bodyAnterior + bodyPosterior) / 2) * bodyP, 60 * k)
        let calf = RoundedBox(14 * k, 115 * k, (50 * k + bodyPosterior / 2) * bodyP, 85 * k, radius: 30 * k)
        canvas.paint(Union(Union(thigh, knee, smooth: 20 * k), calf, smooth: 25 * k), t.fat)

        // Muscles (fat planes between them are the body's fat).
        let mb = muscleBulk
        let mP = roundProfile(z: z, centre: 0, halfWidth: 60 * k)
        if mP > 0 {
            canvas.paint(Ellipse(-30 * k, -112 * k, 17 * k * mb * mP, 66 * k), t.muscle)          // vastus
            canvas.paint(Ellipse(46 * k, -108 * k, 27 * k * mb * mP, 72 * k, angle: 0.08), t.muscle) // hamstrings
            canvas.paint(Ellipse(28 * k, 122 * k, 19 * k * mb * mP, 62 * k), t.muscle)            // soleus
        }
        for side: Float in [-1, 1] {                                                          // gastrocnemius heads
            let g = roundProfile(z: z, centre: side * 24 * k, halfWidth: 17 * k)
            if g > 0 { canvas.paint(Ellipse(40 * k, 62 * k, 24 * k * mb * (0.4 + 0.6 * g), 70 * k, angle: -0.1), t.muscle) }
        }
        let popP = roundProfile(z: z, centre: 0, halfWidth: 28 * k)
        if popP > 0 { canvas.paint(Ellipse(21 * k, 26 * k, 6 * k * (0.5 + 0.5 * popP), 17 * k, angle: -0.8), t.muscle) }

        // Effusion: suprapatellar recess and posterior recesses.
        let e = effusion
        let supra = roundProfile(z: z, centre: 0, halfWidth: (14 + 12 * e) * k)
        if supra > 0 {
            canvas.paint(Ellipse(-25 * k, -46 * k - 10 * k * e, (1.5 + 6.5 * e) * k * supra, (9 + 17 * e) * k, angle: 0.1), t.fluid)
        }
        for side: Float in [-1, 1] {
            let p = roundProfile(z: z, centre: side * 24 * k, halfWidth: 14 * k)
            if p > 0 && e > 0.1 {
                canvas.paint(Ellipse(30 * k + condyleU, -15 * k, (1 + 4 * e) * k * p, (3 + 9 * e) * k), t.fluid)
            }
        }

        // Popliteal artery (flow void) and vein, following the back of the knee.
        let tilt = vesselTilt
        let path: [(Float, Float)] = [(20 * k - tilt, -160 * k), (24 * k - tilt / 2, -60 * k), (36 * k, -14 * k),
                                      (34 * k, 22 * k), (28 * k + tilt / 2, 70 * k), (26 * k + tilt, 160 * k)]
        canvas.paint(Band(points: path.map { ($0.0 + 7 * k, $0.1) }, radius: veinR), t.vein, opacity: slab(vesselZ - 1.5 * k, veinR))
        canvas.paint(Band(points: path, radius: arteryR), arterySignal, opacity: slab(vesselZ, arteryR))

        // Femur: shaft, metaphysis flaring towards the condyles, distal block clipped by the notch
        // roof (Blumensaat's line), condyles.
        let shaftP = roundProfile(z: z, centre: 0, halfWidth: shaftR * 1.15)
        let shaftHU = max(shaftR * shaftP, 3)
        let distalP = roundProfile(z: z, centre: 0, halfWidth: 42 * k)
        let condyleP = max(roundProfile(z: z, centre: 25 * k, halfWidth: 17 * k),
                           roundProfile(z: z, centre: -25 * k, halfWidth: 17 * k))
        // Further from the middle, the slice leaves the flaring metaphysis lower down.
        let top = -30 * k - (shaftP > 0.25 ? 150 * k : 70 * k * distalP * distalP)
        let metaHU = 21 * k * (0.35 + 0.65 * distalP)
        let meta = Quad([(-metaHU, -30 * k), (metaHU + 4 * k, -30 * k),
                         (max(shaftHU, metaHU * 0.6) + 4 * k, top), (-max(shaftHU, metaHU * 0.6), top)])
        let distal = Union(Ellipse(2 * k, -30 * k, 24 * k * (0.35 + 0.65 * distalP), 22 * k), Offset(meta, by: 0), smooth: 10 * k)
        let roof = HalfPlane(through: 4 * k, blumensaatV, outwardAngle: .pi / 2 - blumensaatAngle)
        let block = Intersection(distal, roof, smooth: 5 * k)
        let cs = 0.45 + 0.55 * condyleP
        let ca = condyleA * cs * (z < 0 ? 1.06 : 1), cb = condyleB * cs
        let condyle = Ellipse(condyleU, -jc - cb, ca, cb)
        let femur = Union(block, condyle, smooth: 6 * k)
        let femurP: Float = distalP > 0 ? 1 : 0
        let condyleOn: Float = condyleP > 0 ? 1 : 0
        let articular = Ellipse(2 * k, -14 * k, 44 * k, 26 * k)
        if condyleP > 0 {
            canvas.paint(Intersection(Offset(femur, by: cartilage), articular), t.cartilage)
        } else if distalP > 0 {
            let trochlea = HalfPlane(through: -12 * k, 0, outwardAngle: 0)
            canvas.paint(Intersection(Intersection(Offset(femur, by: cartilage), articular), trochlea), t.cartilage)
        }

        // Tibia: plateau, metaphysis tapering to the shaft, spines in the notch, tuberosity.
        let plateauP = roundProfile(z: z, centre: 0, halfWidth: 44 * k)
        let ph = plateauHalf * (0.45 + 0.55 * plateauP)
        let tShaftP = roundProfile(z: z, centre: 0, halfWidth: 18 * k)
        let tShaftHU = max(15 * k * tShaftP, 3)
        let tBottom = jc + (tShaftP > 0.25 ? 200 * k : 18 * k + 40 * k * plateauP * plateauP)
        let plateau = RoundedBox(2 * k, jc + 9 * k, ph, 9 * k, radius: 4 * k)
        let taper = Quad([(-ph + 3 * k, jc + 10 * k), (ph + 1 * k, jc + 10 * k),
                          (5 * k + tShaftHU, tBottom), (5 * k - tShaftHU, tBottom)])
        let spines = Ellipse(0, jc + 1.5 * k, 5 * k, 4 * k)
        let tubP = roundProfile(z: z, centre: 0, halfWidth: 15 * k)
        let tuber = Ellipse(-ph + 3 * k, jc + 22 * k, 5 * k * tubP + 0.01, 10 * k)
        let tibia = Union(Union(plateau, Offset(taper, by: 0), smooth: 10 * k), Union(tuber, spines, smooth: 0), smooth: 4 * k)
        let tibiaOn: Float = plateauP > 0 ? 1 : 0
        let spinesOn = az < 10 * k
        if tibiaOn > 0 {
            let top = HalfPlane(through: 0, jc + 5 * k, outwardAngle: .pi / 2)
            canvas.paint(Intersection(Offset(plateau, by: cartilage), top), t.cartilage)
        }

        // Patella and its cartilage.
        let patP = roundProfile(z: z, centre: 0, halfWidth: 24 * k)
        let patella = Ellipse(patellaU, patellaV, patellaA * (0.4 + 0.6 * patP), patellaB * (0.5 + 0.5 * patP), angle: patellaTilt)
        if patP > 0 {
            let back = HalfPlane(through: patellaU, patellaV, outwardAngle: .pi + patellaTilt)
            canvas.paint(Intersection(Offset(patella, by: 2.5 * k), back), t.cartilage)
        }

        // Bones.
        if femurP > 0 {
            if condyleOn > 0 {
                canvas.paintBone(femur, marrow: t.marrow, cortex: t.cortex, cortexMM: cortex)
            } else {
                canvas.paintBone(block, marrow: t.marrow, cortex: t.cortex, cortexMM: cortex)
            }
        }
        if tibiaOn > 0 {
            if spinesOn {
                canvas.paintBone(tibia, marrow: t.marrow, cortex: t.cortex, cortexMM: cortex)
            } else {
                canvas.paintBone(Union(Union(plateau, Offset(taper, by: 0), smooth: 10 * k), tuber, smooth: 4 * k),
                                 marrow: t.marrow, cortex: t.cortex, cortexMM: cortex)
            }
        }
        if patP > 0 { canvas.paintBone(patella, marrow: t.marrow, cortex: t.cortex, cortexMM: cortex) }
        if boneBruise {
            let b = roundProfile(z: z, centre: 24 * k, halfWidth: 12 * k)
            if b > 0 {
                canvas.scale(Intersection(Ellipse(-2 * k, -jc - 7 * k, 10 * k * b, 6 * k), Offset(condyle, by: -cortex)), by: 0.55)
                canvas.scale(Intersection(Ellipse(16 * k, jc + 8 * k, 8 * k * b, 5 * k), Offset(plateau, by: -cortex)), by: 0.6)
            }
        }

        // Menisci: dark wedges at the front and back of each compartment.
        let menP = max(roundProfile(z: z, centre: 26 * k, halfWidth: 17 * k), roundProfile(z: z, centre: -26 * k, halfWidth: 17 * k))
        if menP > 0 {
            let h = jc * 0.95, post = ph * 0.98, ant = -ph * 0.95
            canvas.paint(Triangle((post, -h), (post, h), (post - 12 * k * (0.5 + 0.5 * menP), 0)), t.ligament)
            canvas.paint(Triangle((ant, -h * 0.85), (ant, h * 0.85), (ant + 9 * k * (0.5 + 0.5 * menP), 0)), t.ligament)
        }

        // Tendons: quadriceps above the patella, patellar tendon to the tuberosity.
        canvas.paint(Capsule(patellaU + 1 * k, patellaV - patellaB * 0.8, patellaU + 9 * k, patellaV - 130 * k, radius: 3.5 * k),
                     t.ligament, opacity: slab(0, 17 * k))
        canvas.paint(Capsule(patellaU + 2 * k, patellaV + patellaB * 0.85, -ph + 3 * k, jc + 26 * k, radius: 2.6 * k),
                     t.ligament, opacity: slab(0, 13 * k))

        // PCL: a thick dark arc from the front of the notch to the back of the tibia.
        // It ends on the back of the tibia, just behind the plateau's posterior cortex.
        canvas.paint(Band(bezier: (-4 * k, blumensaatV + 2 * k), (22 * k + pclBow, blumensaatV - 4 * k),
                          (plateauHalf + 2 * k + pclR * 0.6, jc + 13 * k), radius: pclR), t.ligament * 1.1, opacity: slab(pclZ, pclHalf))

        // Look-alikes: the infrapatellar plica and other dark bands (vessels, septa).
        if let m = mucosum { canvas.paint(m, t.ligament * 1.2, opacity: slab(mucosumZ, mucosumHalf)) }
        for b in bands { canvas.paint(b.shape, t.ligament * b.signal, opacity: slab(b.z, b.half)) }

        acl.render(into: &canvas, z: z, thickness: thickness, tissue: t)
    }
}
