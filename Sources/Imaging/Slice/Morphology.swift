import CImagingKernels

/// Binary clean-up of a foreground mask (row-major height×width, 0/1 bytes), 4-connectivity
/// throughout (scipy.ndimage's default 2-D structure). Both operations label row runs with a
/// union–find (O(pixels), the `…Reference` pixel flood fills define the results and serve as
/// the fallback when scratch memory runs out).
public enum Morphology {
    /// Keeps only the largest 4-connected component; on equal sizes the one whose first pixel
    /// comes first in raster order (scipy `label` + `argmax`). Returns the component's size.
    @discardableResult
    public static func keepLargestComponent(_ mask: inout [UInt8], height: Int, width: Int) -> Int {
        guard height > 0, width > 0, mask.count == height * width else { return 0 }
        let size = mask.withUnsafeMutableBufferPointer { kf_keep_largest($0.baseAddress!, height, width) }
        return size >= 0 ? size : keepLargestComponentReference(&mask, height: height, width: width)
    }

    /// Sets to 1 every background pixel not 4-connected to the image border (scipy
    /// `binary_fill_holes` with its default structure); non-zero bytes become 1.
    public static func fillHoles(_ mask: inout [UInt8], height: Int, width: Int) {
        guard height > 0, width > 0, mask.count == height * width else { return }
        let failed = mask.withUnsafeMutableBufferPointer { kf_fill_holes($0.baseAddress!, height, width) }
        if failed != 0 { fillHolesReference(&mask, height: height, width: width) }
    }

    /// `keepLargestComponent` by a pixel flood fill (depth-first, explicit stack).
    @discardableResult
    static func keepLargestComponentReference(_ mask: inout [UInt8], height: Int, width: Int) -> Int {
        let n = height * width
        guard n > 0, mask.count == n else { return 0 }
        var label = [Int32](repeating: 0, count: n)
        var stack = [Int32](repeating: 0, count: n), stackX = [Int32](repeating: 0, count: n)
        var bestLabel: Int32 = 0, bestSize = 0, next: Int32 = 0
        mask.withUnsafeBufferPointer { m in
            label.withUnsafeMutableBufferPointer { lb in
                stack.withUnsafeMutableBufferPointer { st in
                    stackX.withUnsafeMutableBufferPointer { sx in
                        for start in 0..<n where m[start] != 0 && lb[start] == 0 {
                            next += 1
                            var size = 0, top = 0
                            st[top] = Int32(start); sx[top] = Int32(start % width); top += 1; lb[start] = next
                            while top > 0 {
                                top -= 1
                                let p = Int(st[top]), x = Int(sx[top]); size += 1
                                @inline(__always) func visit(_ q: Int, _ qx: Int) {
                                    if m[q] != 0 && lb[q] == 0 { lb[q] = next; st[top] = Int32(q); sx[top] = Int32(qx); top += 1 }
                                }
                                if x > 0 { visit(p - 1, x - 1) }
                                if x + 1 < width { visit(p + 1, x + 1) }
                                if p >= width { visit(p - width, x) }
                                if p + width < n { visit(p + width, x) }
                            }
                            if size > bestSize { bestSize = size; bestLabel = next }
                        }
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

    /// `fillHoles` by a pixel flood fill from the border.
    static func fillHolesReference(_ mask: inout [UInt8], height: Int, width: Int) {
        let n = height * width
        guard n > 0, mask.count == n else { return }
        var outside = [UInt8](repeating: 0, count: n)
        var stack = [Int32](repeating: 0, count: n), stackX = [Int32](repeating: 0, count: n)
        mask.withUnsafeMutableBufferPointer { m in
            outside.withUnsafeMutableBufferPointer { out in
                stack.withUnsafeMutableBufferPointer { st in
                    stackX.withUnsafeMutableBufferPointer { sx in
                        var top = 0
                        @inline(__always) func seed(_ p: Int, _ x: Int) {
                            if m[p] == 0 && out[p] == 0 { out[p] = 1; st[top] = Int32(p); sx[top] = Int32(x); top += 1 }
                        }
                        for x in 0..<width { seed(x, x); seed((height - 1) * width + x, x) }
                        for y in 0..<height { seed(y * width, 0); seed(y * width + width - 1, width - 1) }
                        while top > 0 {
                            top -= 1
                            let p = Int(st[top]), x = Int(sx[top])
                            if x > 0 { seed(p - 1, x - 1) }
                            if x + 1 < width { seed(p + 1, x + 1) }
                            if p >= width { seed(p - width, x) }
                            if p + width < n { seed(p + width, x) }
                        }
                        for i in 0..<n where out[i] == 0 { m[i] = 1 }
                    }
                }
            }
        }
    }
}
