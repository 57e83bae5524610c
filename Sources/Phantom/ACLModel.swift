import Foundation

/// The anterior cruciate ligament of one knee: a dark oblique band in the intercondylar notch from
/// the femoral attachment (posterior–superior, on the lateral condyle's inner wall) to the tibial
/// attachment (anterior–inferior, in front of the tibial spines), present over a slab of a few mm
/// in z. A torn ACL is discontinuous (complete tear: a gap filled with oedema, the distal stump
/// flattened) or partially disrupted, thickened, and of raised signal. Some healthy ligaments are
/// thickened with raised signal but continuous (mucoid degeneration), so signal alone does not
/// decide.
struct ACLModel: Sendable {
    enum State: Sendable, Equatable { case intact, mucoid, partialTear, completeTear }
    var state: State
    /// z slab centre and half-width (mm).
    var z: Float, half: Float
    /// Femoral and tibial attachment points (mm) and band radius.
    var femU: Float, femV: Float, tibU: Float, tibV: Float, radius: Float
    /// Added signal relative to the ligament signal (0 for an intact ACL), as a fraction of the
    /// way from ligament to fluid.
    var signalRaise: Float
    /// Position of the tear along the band (0 femoral … 1 tibial) and its length (mm).
    var tearAt: Float, tearLength: Float
    /// Rotation of the distal stump about the tibial attachment (radians, towards horizontal).
    var stumpDroop: Float
    /// Side of a partial-thickness defect (±1).
    var defectSide: Float

    init(rng r: inout SplitMix64, torn: Bool, k: Float) {
        z = r.uniform(3, 7) * k
        half = r.uniform(3.8, 5.5) * k
        femU = r.uniform(15, 19) * k; femV = r.uniform(-26, -22) * k  // femV: moved onto the roof by KneeAnatomy
        tibU = r.uniform(-9, -5) * k; tibV = r.uniform(4, 7) * k
        radius = r.uniform(3.0, 4.2) * k
        tearAt = r.uniform(0.3, 0.7); tearLength = r.uniform(4, 10) * k
        stumpDroop = 0; defectSide = r.chance(0.5) ? 1 : -1
        signalRaise = r.uniform(0, 0.08)
        if torn {
            state = r.chance(0.6) ? .completeTear : .partialTear
            radius *= r.uniform(1.1, 1.6)
            signalRaise = r.uniform(0.1, 0.4)
            if state == .completeTear { stumpDroop = r.uniform(0, 0.35) }
        } else if r.chance(0.15) {
            state = .mucoid
            radius *= r.uniform(1.1, 1.45)
            signalRaise = r.uniform(0.1, 0.35)
        } else {
            state = .intact
        }
    }

    /// Paints the ACL cross-section of the slice at `z` (thickness `thickness`) and marks its
    /// coverage (fibres plus the tear's oedema: the ligament's region) in the ACL channel.
    func render(into canvas: inout Canvas, z sliceZ: Float, thickness: Float, tissue: DatasetTechnique) {
        let opacity = slabFraction(z: sliceZ, thickness: thickness, lo: z - half, hi: z + half)
        guard opacity > 0.001 else { return }
        // The band twists: further lateral, the femoral attachment sits further posterior.
        let twist = (sliceZ - z) * 0.5
        let fu = femU + twist, fv = femV - twist * 0.4
        let fibre = tissue.ligament + signalRaise * (tissue.fluid - tissue.ligament)
        let oedema = tissue.ligament + 0.75 * (tissue.fluid - tissue.ligament)
        let du = tibU - fu, dv = tibV - fv
        let len = max((du * du + dv * dv).squareRoot(), 1e-3)
        let (eu, ev) = (du / len, dv / len)
        let angle = atan2f(dv, du)
        switch state {
        case .intact, .mucoid:
            let band = Capsule(fu, fv, tibU, tibV, radius: radius)
            canvas.paint(band, fibre, opacity: opacity)
            canvas.markACL(band, opacity: opacity)
        case .partialTear:
            let band = Capsule(fu, fv, tibU, tibV, radius: radius)
            canvas.paint(band, fibre, opacity: opacity)
            let cu = fu + du * tearAt - ev * defectSide * radius * 0.45
            let cv = fv + dv * tearAt + eu * defectSide * radius * 0.45
            canvas.paint(Ellipse(cu, cv, tearLength / 2 + 1, radius * 0.65, angle: angle), oedema, opacity: opacity)
            canvas.markACL(band, opacity: opacity)
        case .completeTear:
            let g0 = max(tearAt * len - tearLength / 2, 2), g1 = min(tearAt * len + tearLength / 2, len - 2)
            let gapU = fu + eu * (g0 + g1) / 2, gapV = fv + ev * (g0 + g1) / 2
            let swelling = Ellipse(gapU, gapV, (g1 - g0) / 2 + 2, radius * 1.5, angle: angle)
            canvas.paint(swelling, oedema, opacity: opacity)
            let proximal = Capsule(fu, fv, fu + eu * g0, fv + ev * g0, radius: radius)
            // Distal stump: from the gap's end to the tibia, rotated about the tibial attachment.
            let dl = len - g1
            let a = angle + .pi + stumpDroop  // from the tibia back towards the femur, flattened
            let distal = Capsule(tibU, tibV, tibU + cosf(a) * dl, tibV + sinf(a) * dl, radius: radius * 1.1)
            canvas.paint(proximal, fibre, opacity: opacity)
            canvas.paint(distal, fibre, opacity: opacity)
            canvas.markACL(swelling, opacity: opacity)
            canvas.markACL(proximal, opacity: opacity)
            canvas.markACL(distal, opacity: opacity)
        }
    }
}
