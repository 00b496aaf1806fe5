import RESP
import SwiftEV

// Pub/sub correlation: (un)subscribe commands take one confirmation per channel, not a reply.
extension CommandCorrelator {
    /// A pub/sub frame: the next confirmation of the (un)subscribe command at the head, or a
    /// delivery (or a confirmation the server sent on its own, e.g. `sunsubscribe` after a slot
    /// moved) for `onPush`. Returns false for a RESP2 array that is an ordinary reply.
    func takePubSubFrame(_ frame: PubSubFrame, _ value: RESPValue) -> Bool {
        switch frame.kind {
        case .message:
            guard resp3 || !subscriptions.isEmpty else { return false }
            onPush?(value)
            return true
        case .confirmation(let family, let isSubscribe):
            if !inFlight.isEmpty, inFlight[0].role.pubSubFamily == family, inFlight[0].role.isSubscribe == isSubscribe {
                subscriptions.apply(family, isSubscribe: isSubscribe, channel: frame.channel)
                takeConfirmation(value, family: family)
                return true
            }
            guard resp3 || !subscriptions.isEmpty else { return false }
            subscriptions.apply(family, isSubscribe: isSubscribe, channel: frame.channel)
            onPush?(value)
            return true
        }
    }

    private func takeConfirmation(_ value: RESPValue, family: PubSubFamily) {
        confirmations.append(value)
        let head = 0
        let done: Bool
        if inFlight[head].confirmationsLeft > 0 {
            inFlight[head].confirmationsLeft -= 1
            done = inFlight[head].confirmationsLeft == 0
        } else {
            done = subscriptions.count(family) == 0
        }
        guard done, let context, let entry = popOldest(context) else { return }
        let collected = confirmations
        confirmations = []
        if !entry.abandoned { entry.pending.handler.complete(.success(.array(collected))) }
    }
}
