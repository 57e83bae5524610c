/// Binary clean-up of a foreground mask (row-major height×width, 0/1 bytes), 4-connectivity
/// throughout (scipy.ndimage's default 2-D structure).
public enum Morphology {
    /// Keeps only the largest 4-connected component; on equal sizes the one whose first pixel
    /// comes first in raster order (scipy `label` + `argmax`). Returns the component's size.
    @discardableResult
    public static func keepLargestComponent(_ mask: inout [UInt8], height: Int, width: Int) -> Int {
        let n = height * width
        guard n > 0, mask.count == n else { return 0 }
        var label = [Int32](repeating: 0, count: n)
        var stack = [Int32](repeating: 0, count: n)
        var bestLabel: Int32 = 0, bestSize = 0, next: Int32 = 0
        mask.withUnsafeBufferPointer { m in
            label.withUnsafeMutableBufferPointer { lb in
                stack.withUnsafeMutableBufferPointer { st in
                    for start in 0..<n where m[start] != 0 && lb[start] == 0 {
                        next += 1
                        var size = 0, top = 0
                        st[top] = Int32(start); top += 1; lb[start] = next
                        while top > 0 {
                            top -= 1
                            let p = Int(st[top]); size += 1
                            let y = p / width, x = p - y * width
                            @inline(__always) func visit(_ q: Int) {
                                if m[q] != 0 && lb[q] == 0 { lb[q] = next; st[top] = Int32(q); top += 1 }
                            }
                            if x > 0 { visit(p - 1) }
                            if x + 1 < width { visit(p + 1) }
                            if y > 0 { visit(p - width) }
                            if y + 1 < height { visit(p + width) }
                        }
                        if size > bestSize { bestSize = size; bestLabel = next }
                    }
                }
            }
        }
        if next > 1 {
            label.withUnsafeBufferPointer { lb in
                mask.withUnsafeMutableBufferPointer { m in
                    for i in 0..<n { m[i] = lb[i] == bestLabel ? 1 : 0 }
                }
            }
        }
        return bestSize
    }

    /// Sets to 1 every background pixel not 4-connected to the image border (scipy
    /// `binary_fill_holes` with its default structure).
    public static func fillHoles(_ mask: inout [UInt8], height: Int, width: Int) {
        let n = height * width
        guard n > 0, mask.count == n else { return }
        var outside = [UInt8](repeating: 0, count: n)
        var stack = [Int32](repeating: 0, count: n)
        mask.withUnsafeMutableBufferPointer { m in
            outside.withUnsafeMutableBufferPointer { out in
                stack.withUnsafeMutableBufferPointer { st in
                    var top = 0
                    @inline(__always) func seed(_ p: Int) {
                        if m[p] == 0 && out[p] == 0 { out[p] = 1; st[top] = Int32(p); top += 1 }
                    }
                    for x in 0..<width { seed(x); seed((height - 1) * width + x) }
                    for y in 0..<height { seed(y * width); seed(y * width + width - 1) }
                    while top > 0 {
                        top -= 1
                        let p = Int(st[top])
                        let y = p / width, x = p - y * width
                        if x > 0 { seed(p - 1) }
                        if x + 1 < width { seed(p + 1) }
                        if y > 0 { seed(p - width) }
                        if y + 1 < height { seed(p + width) }
                    }
                    for i in 0..<n where out[i] == 0 { m[i] = 1 }
                }
            }
        }
    }
}
