/// Bit-range access to a 64-bit architectural word.
///
/// Every register and descriptor in this module is a struct over one `UInt64`; its fields are bit ranges read and
/// written through these helpers, the way swift-mmio projects register fields.
extension UInt64 {
    /// The mask with bits `bits.lowerBound ..< bits.upperBound` set.
    // Always inlined: with constant or loop-index ranges it folds to a shift and a mask; as a call it was 5% of a
    // one-granule delegation (every GPT descriptor decode asks for sixteen of them).
    @inlinable
    @inline(__always)
    public static func mask(bits: Range<Int>) -> UInt64 {
        precondition(bits.lowerBound >= 0 && bits.upperBound <= 64 && !bits.isEmpty, "bit range out of a 64-bit word")
        let width = bits.count
        let low: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) &- 1
        return low << UInt64(bits.lowerBound)
    }

    /// The value of the bit field `bits`, shifted down to bit 0.
    @inlinable
    @inline(__always)
    public subscript(bits bits: Range<Int>) -> UInt64 {
        get { (self & .mask(bits: bits)) >> UInt64(bits.lowerBound) }
        set {
            precondition(
                newValue & ~(UInt64.mask(bits: bits) >> UInt64(bits.lowerBound)) == 0, "value does not fit its field")
            self = (self & ~.mask(bits: bits)) | (newValue << UInt64(bits.lowerBound))
        }
    }

    /// Whether `value` fits in a field of `width` bits.
    @inlinable
    public static func fits(_ value: UInt64, width: Int) -> Bool {
        width >= 64 || value >> UInt64(width) == 0
    }

    /// One bit.
    @inlinable
    public subscript(bit bit: Int) -> Bool {
        get { self & (1 << UInt64(bit)) != 0 }
        set { self = newValue ? self | (1 << UInt64(bit)) : self & ~(1 << UInt64(bit)) }
    }
}
