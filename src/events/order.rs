//! What a watch needs of the state machine (contract §3.1, core's `transitions`) to merge pushed and polled
//! events with polling of the overview: which statuses come later than which, which one is the end, and which
//! status an event type announces. The watch itself (JS, `bindings/watch.js`) decides nothing of its own.

use altinn_broker_core::actions::can_reach;
use altinn_broker_core::events::EventType;
use altinn_broker_core::transitions::{is_terminal, TRANSITIONS};
use altinn_broker_core::FileTransferStatus;
use serde::{Serialize, Serializer};

/// The rules, as the watch reads them (`later[a]` holds every `b` that can follow `a`). The maps are lists of
/// pairs written as JSON objects: built once and only handed to JS, they need no `BTreeMap` (whose code is
/// instantiated per key and value type: a few KB of wasm each).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchRules {
    #[serde(serialize_with = "as_object")]
    pub later: Vec<(&'static str, Vec<&'static str>)>,
    pub terminal: Vec<&'static str>,
    /// Event type → the status every transition that emits it ends in. A type emitted by transitions ending in
    /// different statuses (`fileneverconfirmeddownloaded`: a malware `Failed` or a purge) or by none (the
    /// recipient's `downloadconfirmed`) is absent: such an event only makes the watch read the overview at once.
    #[serde(serialize_with = "as_object")]
    pub event_status: Vec<(String, &'static str)>,
}

fn as_object<K: Serialize, V: Serialize, S: Serializer>(pairs: &[(K, V)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// A status that can follow `from` (reachable and not `from` itself).
pub fn is_later(from: FileTransferStatus, to: FileTransferStatus) -> bool {
    from != to && can_reach(from, to)
}

/// The one status every transition emitting `event` ends in.
pub fn announced_status(event: EventType) -> Option<FileTransferStatus> {
    let mut to = TRANSITIONS.iter().filter(|t| t.emits.iter().any(|e| e.event == event)).map(|t| t.to);
    let first = to.next()?;
    to.all(|s| s == first).then_some(first)
}

pub fn watch_rules() -> WatchRules {
    let all = FileTransferStatus::ALL;
    WatchRules {
        later: all
            .iter()
            .map(|&a| (a.as_str(), all.iter().filter(|&&b| is_later(a, b)).map(|b| b.as_str()).collect()))
            .collect(),
        terminal: all.iter().filter(|s| is_terminal(**s)).map(|s| s.as_str()).collect(),
        event_status: EventType::ALL
            .iter()
            .filter_map(|&e| announced_status(e).map(|s| (e.type_name(), s.as_str())))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FileTransferStatus::*;

    #[test]
    fn events_announce_their_status() {
        assert_eq!(announced_status(EventType::Published), Some(Published));
        assert_eq!(announced_status(EventType::FileTransferInitialized), Some(Initialized));
        assert_eq!(announced_status(EventType::UploadFailed), Some(Failed));
        assert_eq!(announced_status(EventType::FilePurged), Some(Purged));
        assert_eq!(announced_status(EventType::FileNeverConfirmedDownloaded), None);
        assert_eq!(announced_status(EventType::DownloadConfirmed), None);
    }

    #[test]
    fn later_follows_the_machine() {
        assert!(is_later(UploadProcessing, Published));
        assert!(!is_later(Published, UploadProcessing));
        assert!(!is_later(Published, Published));
        assert!(is_later(Failed, Purged));
        let r = watch_rules();
        assert_eq!(r.terminal, vec!["Purged"]);
        let later = |s: &str| &r.later.iter().find(|(a, _)| *a == s).unwrap().1;
        assert!(later("Initialized").contains(&"AllConfirmedDownloaded"));
        assert!(later("Purged").is_empty());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["eventStatus"]["no.altinn.broker.published"], "Published");
        assert_eq!(json["later"]["Published"].as_array().unwrap().len(), later("Published").len());
    }
}
