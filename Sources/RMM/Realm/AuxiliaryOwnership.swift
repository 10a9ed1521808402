public import CCAArch

extension RealmManagementMonitor {
    /// Auxiliary granules whose ownership is broken: a REC_AUX or RD_AUX granule no REC, RD or incomplete
    /// operation lists, or one listed twice; an address a REC or RD lists that is not in its auxiliary state.
    ///
    /// A REC or RD lists its auxiliary granules in its own granule; while an operation holds it PARTIAL, the
    /// operation lists those not yet handed back. For the invariant checker, at quiescent points (a debug port
    /// like `pendingOperations()`).
    public func auxiliaryOwnershipViolations() -> [PhysicalAddress] {
        var present: [(PhysicalAddress, GranuleState)] = []
        var listed: [(PhysicalAddress, GranuleState)] = []
        func list(_ holder: PhysicalAddress, _ offset: UInt64, _ range: Range<Int>, _ state: GranuleState) {
            for i in range { listed.append((PhysicalAddress(readObject(holder, offset + UInt64(i) * 8)), state)) }
        }
        let g = granuleSize.bytes
        forEachGranuleRun { base, size, info in
            var pa = base
            while pa < base + size {
                switch info.state {
                case .recAux, .rdAux: present.append((pa, info.state))
                case .rec: list(pa, RECField.aux, 0..<Int(readObject(pa, RECField.auxCount)), .recAux)
                case .rd: list(pa, RDField.aux, 0..<Int(readObject(pa, RDField.auxCount)), .rdAux)
                default: break
                }
                pa = pa + g
            }
        }
        for context in operations.contexts where context.word & 3 == OperationContext.sealed {
            switch context.operation {
            case .recCreate(let operation), .recDestroy(let operation):
                list(operation.rec, RECField.aux, operation.reclaimed..<operation.auxCount, .recAux)
            case .realmCreate(let operation), .realmDestroy(let operation):
                list(operation.rd, RDField.aux, operation.reclaimed..<operation.auxCount, .rdAux)
            default: break
            }
        }
        present.sort { $0.0 < $1.0 }
        listed.sort { $0.0 < $1.0 }
        var violations: [PhysicalAddress] = []
        var i = 0
        var j = 0
        while i < present.count || j < listed.count {
            if j == listed.count || (i < present.count && present[i].0 < listed[j].0) {
                violations.append(present[i].0)  // nobody lists it
                i += 1
            } else if i == present.count || listed[j].0 < present[i].0 {
                violations.append(listed[j].0)  // listed, not an auxiliary granule
                j += 1
            } else {
                if present[i].1 != listed[j].1 || (j + 1 < listed.count && listed[j + 1].0 == listed[j].0) {
                    violations.append(listed[j].0)  // the wrong kind, or listed twice
                }
                while j < listed.count && listed[j].0 == present[i].0 { j += 1 }
                i += 1
            }
        }
        return violations
    }
}
