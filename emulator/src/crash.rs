//! Named crash points: a test hook that kills the process with SIGKILL at a chosen point of an upload's life,
//! so tests can prove that a restart never publishes a partial file and never loses an acknowledged one.

use std::str::FromStr;

/// A point in the upload path where the process can be made to die.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// After part of the body has been written to the temporary file.
    UploadMidBody,
    /// After the whole body is on disk (fsynced and renamed) but before the database records it.
    UploadAfterBody,
    /// After the database recorded the file but before the status moved past `UploadStarted`.
    UploadAfterCommit,
    /// tus: after part of a PATCH body has been written to the upload's staging file.
    TusMidPatch,
    /// tus: after a PATCH's bytes are fsynced (and, except for the last chunk, acknowledged) but before its offset
    /// is committed.
    TusAfterPatchBeforeCommit,
    /// tus: in the finalisation job of a concatenation, after the first part has been linked as the file's first
    /// piece and before the others are.
    TusDuringConcatenation,
}

impl CrashPoint {
    pub const ALL: &'static [CrashPoint] = &[
        CrashPoint::UploadMidBody,
        CrashPoint::UploadAfterBody,
        CrashPoint::UploadAfterCommit,
        CrashPoint::TusMidPatch,
        CrashPoint::TusAfterPatchBeforeCommit,
        CrashPoint::TusDuringConcatenation,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            CrashPoint::UploadMidBody => "upload.mid-body",
            CrashPoint::UploadAfterBody => "upload.after-body",
            CrashPoint::UploadAfterCommit => "upload.after-commit",
            CrashPoint::TusMidPatch => "tus.mid-patch",
            CrashPoint::TusAfterPatchBeforeCommit => "tus.after-patch-before-commit",
            CrashPoint::TusDuringConcatenation => "tus.during-concatenation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown crash point {0:?}: expected upload.mid-body, upload.after-body, upload.after-commit, tus.mid-patch, \
     tus.after-patch-before-commit or tus.during-concatenation"
)]
pub struct UnknownCrashPoint(String);

impl FromStr for CrashPoint {
    type Err = UnknownCrashPoint;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|p| p.name() == s.trim()).ok_or_else(|| UnknownCrashPoint(s.to_owned()))
    }
}

/// Dies here if `armed` names this point. SIGKILL, not a panic or abort: nothing gets to flush or clean up,
/// which is exactly the failure the recovery code must survive.
pub fn maybe_crash(armed: Option<CrashPoint>, here: CrashPoint) {
    if armed == Some(here) {
        tracing::warn!(point = here.name(), "crash point reached: killing the process");
        // SAFETY: kill(2) on our own pid has no memory-safety preconditions.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}
