/// A float32 tensor: contiguous samples in C order plus a shape. Image batches are NCHW
/// (batch, channels, height, width); feature vectors are (batch, features).
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    /// Wraps samples; `data.count` must equal the product of `shape` (programmer error otherwise;
    /// user data is validated before it becomes a tensor).
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == data.count,
                     "tensor shape \(shape) does not match \(data.count) samples")
        self.shape = shape; self.data = data
    }

    /// A zero-filled tensor.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// Number of samples.
    public var count: Int { data.count }

    /// Size of axis `i`.
    @inlinable public func dim(_ i: Int) -> Int { shape[i] }
}

/// A trainable parameter: value, accumulated gradient (same shape), and whether decoupled weight
/// decay applies to it (convolution and linear weights yes; biases and batch-norm affine no).
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    public var grad: [Float]
    public let decays: Bool

    public init(name: String, shape: [Int], value: [Float], decays: Bool) {
        precondition(shape.reduce(1, *) == value.count)
        self.name = name; self.shape = shape; self.value = value; self.decays = decays
        self.grad = [Float](repeating: 0, count: value.count)
    }

    /// Sets the gradient to zero (before a mini-batch).
    public func zeroGrad() {
        grad.withUnsafeMutableBufferPointer { g in g.update(repeating: 0) }
    }
}

/// A non-trainable state array saved with the model (batch-norm running mean / variance).
public final class Buffer {
    public let name: String
    public var value: [Float]
    public init(name: String, value: [Float]) { self.name = name; self.value = value }
}
