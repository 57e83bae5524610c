import Foundation

/// The random anatomy of one synthetic knee, in a world frame in mm: u anterior→posterior,
/// v superior→inferior, z medial→lateral (z = 0 the middle of the intercondylar notch, v = 0 the
/// joint line, u = 0 the femoral shaft axis). Every length is multiplied by the knee's size `k`.
/// All parameters are drawn once per case; each slice is then a cross-section at its own z, so
/// neighbouring slices are coherent.
struct KneeAnatomy: Sendable {
    // Global
    var k: Float                    // knee size factor
    var jointHalf: Float            // half the joint space between cartilage surfaces (mm)
    var cartilage: Float            // cartilage thickness (mm)
    var cortex: Float               // cortical thickness (mm)
    // Femur / tibia / patella
    var shaftR: Float
    var condyleA: Float, condyleB: Float, condyleU: Float
    var blumensaatAngle: Float      // radians, roof of the notch against the horizontal
    var blumensaatV: Float
    var plateauHalf: Float
    var patellaU: Float, patellaV: Float, patellaA: Float, patellaB: Float, patellaTilt: Float
    // Soft tissue
    var bodyAnterior: Float, bodyPosterior: Float   // extra subcutaneous depth (mm)
    var muscleBulk: Float
    // Cruciates and distractors
    var acl: ACLModel
    var pclZ: Float, pclHalf: Float, pclR: Float, pclBow: Float
    var vesselZ: Float, vesselTilt: Float, arteryR: Float, veinR: Float, arterySignal: Float
    var mucosum: Capsule?, mucosumZ: Float, mucosumHalf: Float
    var bands: [(shape: Capsule, z: Float, half: Float, signal: Float)]
    // Label-related findings
    var effusion: Float             // 0 (physiological trace) … 1 (large)
    var boneBruise: Bool
    // Tissue signals (technique with per-case jitter)
    var tissue: DatasetTechnique

    init(rng r: inout SplitMix64, torn: Bool, technique: DatasetTechnique) {
        let k = r.uniform(0.85, 1.15)
        self.k = k
        jointHalf = r.uniform(0.5, 1.2)
        cartilage = r.uniform(1.8, 2.8) * k
        cortex = r.uniform(1.0, 1.8)
        shaftR = r.uniform(13, 16) * k
        condyleA = r.uniform(23, 27) * k
        condyleB = r.uniform(18, 22) * k
        condyleU = r.uniform(3, 9) * k
        blumensaatAngle = r.uniform(30, 42) * .pi / 180
        blumensaatV = r.uniform(-19, -15) * k
        plateauHalf = r.uniform(25, 29) * k
        patellaU = r.uniform(-39, -35) * k
        patellaV = r.uniform(-34, -22) * k
        patellaA = r.uniform(8, 10) * k
        patellaB = r.uniform(18, 23) * k
        patellaTilt = r.uniform(-0.3, 0.0)
        bodyAnterior = r.uniform(4, 14)
        bodyPosterior = r.uniform(4, 20)
        muscleBulk = r.uniform(0.85, 1.15)
        acl = ACLModel(rng: &r, torn: torn, k: k)
        // The femoral attachment sits on the notch roof (a gap there would be an avulsion).
        acl.femV = blumensaatV - (acl.femU - 4 * k) * tanf(blumensaatAngle) + acl.radius * 0.4
        pclZ = r.uniform(-6, -2) * k
        pclHalf = r.uniform(4, 6) * k
        pclR = r.uniform(3.3, 4.5) * k
        pclBow = r.uniform(-3, 4) * k
        vesselZ = r.uniform(-8, 4) * k
        vesselTilt = r.uniform(-6, 6) * k
        arteryR = r.uniform(2.6, 3.6) * k
        veinR = r.uniform(3.2, 5.0) * k
        arterySignal = r.uniform(0.02, 0.15)
        if r.chance(0.45) {
            let a = (patellaU + r.uniform(5, 9) * k, patellaV + patellaB * r.uniform(0.6, 0.9))
            let b = (r.uniform(-6, 0) * k, blumensaatV + r.uniform(2, 6) * k)
            mucosum = Capsule(a.0, a.1, b.0, b.1, radius: r.uniform(0.7, 1.6) * k)
        } else {
            mucosum = nil
        }
        mucosumZ = r.uniform(-4, 6) * k
        mucosumHalf = r.uniform(1.5, 3.5) * k
        bands = []
        let centres: [(Float, Float)] = [(-20, 4), (30, -6), (-28, -58), (18, 22), (-8, 16)]
        for _ in 0..<Int(r.uniform(0, 3.99)) {
            let c = centres[Int(r.uniform(0, Float(centres.count) - 0.01))]
            let cu = (c.0 + r.uniform(-5, 5)) * k, cv = (c.1 + r.uniform(-5, 5)) * k
            let len = r.uniform(8, 22) * k, ang = r.uniform(0, .pi)
            let du = cosf(ang) * len / 2, dv = sinf(ang) * len / 2
            bands.append((Capsule(cu - du, cv - dv, cu + du, cv + dv, radius: r.uniform(0.8, 2.4) * k),
                          r.uniform(-12, 12) * k, r.uniform(2, 5) * k, r.uniform(0.3, 1.6)))
        }
        // Effusion: more frequent and larger with tears, present in some healthy knees.
        if r.chance(torn ? 0.65 : 0.3) { effusion = r.uniform(0.25, 1) } else { effusion = r.uniform(0, 0.12) }
        boneBruise = r.chance(torn ? 0.4 : 0.04)
        var t = technique
        func jitter(_ x: inout Float) { x *= 1 + 0.06 * max(-2.5, min(2.5, r.normal())) }
        jitter(&t.fat); jitter(&t.marrow); jitter(&t.muscle); jitter(&t.cartilage)
        jitter(&t.fluid); jitter(&t.ligament); jitter(&t.vein)
        tissue = t
    }
}
