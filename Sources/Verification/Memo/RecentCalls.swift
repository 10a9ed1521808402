import CCAArch

/// A call answered since the model state last changed, and its answer: what the stationary tail keeps of the time
/// before it began, and so part of a choice point's memo key.
struct RecentAnswer {
    let arguments: SMCArguments
    let answer: AdversaryAnswer
}

/// What the SRO driver can still act on of the memory-transferring operation's calls (its initiating call and
/// every OP_* call that names no range operation), after the model has changed since: the answer it is serving,
/// the last call and its answer, how many RMI_INCOMPLETE answers it has served (its continuation budget), and
/// whether it has cancelled.
struct TransferConversation {
    var lastIncomplete: SMCReturn?
    var last: (arguments: SMCArguments, registers: SMCReturn)?
    var incompletes = 0
    var cancelled = false

    mutating func record(_ arguments: SMCArguments, _ registers: SMCReturn) {
        last = (arguments, registers)
        if RMIResult(rawValue: registers.x0).status == .incomplete {
            incompletes += 1
            lastIncomplete = registers
        }
        if FunctionID(arguments.x0) == .opCancel { cancelled = true }
    }
}
