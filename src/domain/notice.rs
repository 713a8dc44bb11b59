//! Notices: messages for the person running a Pact tool.

/// How a notice should be presented; the Pact Broker's `type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Debug,
    Info,
    Warning,
    Prompt,
    Success,
    Error,
    Danger,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Debug => "debug",
            NoticeKind::Info => "info",
            NoticeKind::Warning => "warning",
            NoticeKind::Prompt => "prompt",
            NoticeKind::Success => "success",
            NoticeKind::Error => "error",
            NoticeKind::Danger => "danger",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

impl Notice {
    pub fn new(kind: NoticeKind, text: impl Into<String>) -> Self {
        Notice {
            kind,
            text: text.into(),
        }
    }
}
