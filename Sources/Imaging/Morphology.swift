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
        for start in 0..<n where mask[start] != 0 && label[start] == 0 {
            next += 1
            var size = 0, top = 0
            stack[top] = Int32(start); top += 1; label[start] = next
            while top > 0 {
                top -= 1
                let p = Int(stack[top]); size += 1
                let y = p / width, x = p - y * width
                if x > 0, mask[p - 1] != 0, label[p - 1] == 0 { label[p - 1] = next; stack[top] = Int32(p - 1); top += 1 }
                if x + 1 < width, mask[p + 1] != 0, label[p + 1] == 0 { label[p + 1] = next; stack[top] = Int32(p + 1); top += 1 }
                if y > 0, mask[p - width] != 0, label[p - width] == 0 { label[p - width] = next; stack[top] = Int32(p - width); top += 1 }
                if y + 1 < height, mask[p + width] != 0, label[p + width] == 0 { label[p + width] = next; stack[top] = Int32(p + width); top += 1 }
            }
            if size > bestSize { bestSize = size; bestLabel = next }
        }
        if next > 1 { for i in 0..<n { mask[i] = label[i] == bestLabel ? 1 : 0 } }
        return bestSize
    }

    /// Sets to 1 every background pixel not 4-connected to the image border (scipy
    /// `binary_fill_holes` with its default structure).
    public static func fillHoles(_ mask: inout [UInt8], height: Int, width: Int) {
        let n = height * width
        guard n > 0, mask.count == n else { return }
        var outside = [UInt8](repeating: 0, count: n)
        var stack = [Int32](repeating: 0, count: n)
        var top = 0
        func seed(_ p: Int) { if mask[p] == 0 && outside[p] == 0 { outside[p] = 1; stack[top] = Int32(p); top += 1 } }
        for x in 0..<width { seed(x); seed((height - 1) * width + x) }
        for y in 0..<height { seed(y * width); seed(y * width + width - 1) }
        while top > 0 {
            top -= 1
            let p = Int(stack[top])
            let y = p / width, x = p - y * width
            if x > 0 { seed(p - 1) }
            if x + 1 < width { seed(p + 1) }
            if y > 0 { seed(p - width) }
            if y + 1 < height { seed(p + width) }
        }
        for i in 0..<n where outside[i] == 0 { mask[i] = 1 }
    }
}
