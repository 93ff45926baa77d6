//! W3C Trace Context (`traceparent`, version 00): the trace a request belongs to, carried from
//! an HTTP request or a socket through rooms, the outbox, RabbitMQ's headers, the gateways and
//! the notifier, beside the request id. Its `sampled` flag asks each hop to log the message's
//! way at info (unsampled, those lines are at debug, so load does not flood the logs).

use uuid::Uuid;

/// The header (HTTP and AMQP) that carries it.
pub const HEADER: &str = "traceparent";

/// One hop's trace context: the trace id it shares with every hop, its own span id, and
/// whether the trace is sampled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    /// 32 lowercase hex digits, not all zero.
    pub trace_id: String,
    /// 16 lowercase hex digits, not all zero.
    pub span_id: String,
    pub sampled: bool,
}

impl TraceParent {
    /// A new trace, not sampled.
    pub fn new_root() -> Self {
        Self {
            trace_id: Uuid::new_v4().simple().to_string(),
            span_id: new_span_id(),
            sampled: false,
        }
    }

    /// The next hop of the same trace: a new span id, the same trace id and flag.
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id.clone(),
            span_id: new_span_id(),
            sampled: self.sampled,
        }
    }

    /// Reads a `traceparent` value. Version 00 must be exactly four fields; a later version
    /// is read by its first four (as the specification asks); version ff, upper-case hex and
    /// all-zero ids are refused.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let version = raw.get(..2)?;
        if !is_hex(version) || version == "ff" {
            return None;
        }
        let head = raw.get(..55)?;
        let rest = &raw[55..];
        let trailing_ok = rest.is_empty() || (version != "00" && rest.starts_with('-'));
        if !trailing_ok {
            return None;
        }
        let mut parts = head.split('-');
        let (_, trace_id, span_id, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let valid =
            |s: &str, len: usize| s.len() == len && is_hex(s) && s.bytes().any(|b| b != b'0');
        if !valid(trace_id, 32) || !valid(span_id, 16) || flags.len() != 2 || !is_hex(flags) {
            return None;
        }
        let flags = u8::from_str_radix(flags, 16).ok()?;
        Some(Self {
            trace_id: trace_id.to_owned(),
            span_id: span_id.to_owned(),
            sampled: flags & 1 == 1,
        })
    }

    /// The header's value for this hop.
    pub fn header(&self) -> String {
        format!(
            "00-{}-{}-{}",
            self.trace_id,
            self.span_id,
            if self.sampled { "01" } else { "00" }
        )
    }
}

fn new_span_id() -> String {
    Uuid::new_v4().simple().to_string()[..16].to_owned()
}

fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::TraceParent;

    #[test]
    fn a_valid_header_reads_back_the_same() {
        let raw = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t = TraceParent::parse(raw).unwrap();
        assert_eq!(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.span_id, "00f067aa0ba902b7");
        assert!(t.sampled);
        assert_eq!(t.header(), raw);
        let child = t.child();
        assert_eq!(child.trace_id, t.trace_id);
        assert_ne!(child.span_id, t.span_id);
        assert!(child.sampled);
    }

    #[test]
    fn malformed_headers_are_refused() {
        for raw in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        ] {
            assert_eq!(TraceParent::parse(raw), None, "{raw}");
        }
        // A later version may add fields after a dash.
        assert!(
            TraceParent::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more")
                .is_some()
        );
        let root = TraceParent::new_root();
        assert_eq!(TraceParent::parse(&root.header()), Some(root));
    }
}
