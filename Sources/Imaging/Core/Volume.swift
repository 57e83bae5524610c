/// A 3-D image as float32 samples in C order: `data[(s * height + y) * width + x]`, shape
/// (slices, height, width). Intensities keep the units of the source file (MRNet: 0…255).
public struct Volume: Sendable, Equatable {
    public let slices: Int
    public let height: Int
    public let width: Int
    public var data: [Float]

    /// Wraps existing samples.
    /// - Throws: `ImagingError(.shape)` when a dimension is not positive or `data.count` does not
    ///   equal `slices * height * width`.
    public init(slices: Int, height: Int, width: Int, data: [Float]) throws {
        guard slices > 0, height > 0, width > 0 else {
            throw ImagingError(.shape, "volume dimensions must be positive, got \(slices)×\(height)×\(width)")
        }
        guard data.count == slices * height * width else {
            throw ImagingError(.shape, "volume \(slices)×\(height)×\(width) needs \(slices * height * width) samples, got \(data.count)")
        }
        self.slices = slices; self.height = height; self.width = width; self.data = data
    }

    /// A zero-filled volume. Dimensions must be positive (programmer error otherwise).
    public init(zeros slices: Int, _ height: Int, _ width: Int) {
        precondition(slices > 0 && height > 0 && width > 0)
        self.slices = slices; self.height = height; self.width = width
        self.data = [Float](repeating: 0, count: slices * height * width)
    }

    /// Pixels per slice (height × width).
    public var sliceSize: Int { height * width }

    /// The sample at slice `s`, row `y`, column `x`.
    @inlinable public subscript(s: Int, y: Int, x: Int) -> Float {
        get { data[(s * height + y) * width + x] }
        set { data[(s * height + y) * width + x] = newValue }
    }

    /// A copy of one slice (height × width, row-major).
    public func slice(_ s: Int) -> [Float] { Array(data[(s * sliceSize)..<((s + 1) * sliceSize)]) }
}
