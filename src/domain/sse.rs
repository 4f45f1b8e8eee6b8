//! Incremental decoder for Server-Sent Events, the framing every provider streams its replies in.
//!
//! Follows the WHATWG "event stream interpretation" rules: lines end in CRLF, LF or CR (a CR at the
//! end of one chunk and an LF at the start of the next are one line ending), lines starting with `:`
//! are comments, `data` lines accumulate joined by `\n`, exactly one space after the colon is
//! stripped, `event:` names are kept. Unlike a browser's `EventSource`, a final event that is not
//! followed by a blank line is still delivered by [`SseDecoder::finish`], because providers close
//! streams that way.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` name, if the server sent one (Anthropic does; OpenAI and Gemini do not).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last `id:` seen in the stream, if any.
    pub id: Option<String>,
    /// A `retry:` reconnection time in milliseconds, if this event carried one.
    pub retry: Option<u64>,
}

/// Decodes a stream fed in arbitrary pieces. Feed text with [`feed`](Self::feed), or raw bytes
/// with [`feed_bytes`](Self::feed_bytes) (a UTF-8 sequence split across chunks is kept until its
/// end arrives); call [`finish`](Self::finish) when the stream ends.
#[derive(Debug, Default)]
pub struct SseDecoder {
    /// Text not yet terminated by a line ending.
    line: String,
    /// The previous chunk ended with CR: a leading LF in the next chunk belongs to it.
    after_cr: bool,
    /// Nothing has been fed yet (a leading byte-order mark is dropped).
    started: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    retry: Option<u64>,
    /// Bytes of an incomplete UTF-8 sequence at the end of the last `feed_bytes` chunk.
    utf8_tail: Vec<u8>,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a piece of text; returns the events it completed.
    pub fn feed(&mut self, chunk: &str) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut rest = chunk;
        if !self.started && !rest.is_empty() {
            self.started = true;
            rest = rest.strip_prefix('\u{feff}').unwrap_or(rest);
        }
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        }
        while let Some(pos) = rest.find(['\r', '\n']) {
            let (head, tail) = rest.split_at(pos);
            let line = if self.line.is_empty() {
                head.to_owned()
            } else {
                let mut l = std::mem::take(&mut self.line);
                l.push_str(head);
                l
            };
            self.process_line(&line, &mut out);
            rest = if let Some(after) = tail.strip_prefix("\r\n") {
                after
            } else if let Some(after) = tail.strip_prefix('\r') {
                if after.is_empty() {
                    self.after_cr = true;
                }
                after
            } else {
                &tail[1..]
            };
        }
        self.line.push_str(rest);
        out
    }

    /// Feeds raw bytes, decoding UTF-8 across chunk boundaries; invalid sequences become U+FFFD.
    pub fn feed_bytes(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut bytes = std::mem::take(&mut self.utf8_tail);
        bytes.extend_from_slice(chunk);
        let keep = incomplete_utf8_suffix(&bytes);
        self.utf8_tail = bytes.split_off(bytes.len() - keep);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.feed(&text)
    }

    /// Ends the stream: a last line without a line ending is processed, and an event still being
    /// built is delivered.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        let mut out = Vec::new();
        if !self.utf8_tail.is_empty() {
            let tail = std::mem::take(&mut self.utf8_tail);
            out.extend(self.feed(&String::from_utf8_lossy(&tail)));
        }
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.process_line(&line, &mut out);
        }
        self.dispatch(&mut out);
        self.after_cr = false;
        out
    }

    fn process_line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = self.event.take();
        let retry = self.retry.take();
        if !self.has_data {
            self.data.clear();
            return;
        }
        self.has_data = false;
        out.push(SseEvent {
            event: event.filter(|e| !e.is_empty()),
            data: std::mem::take(&mut self.data),
            id: self.last_id.clone(),
            retry,
        });
    }
}

/// How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet.
fn incomplete_utf8_suffix(bytes: &[u8]) -> usize {
    let n = bytes.len();
    for back in 1..=n.min(3) {
        let b = bytes[n - back];
        if b & 0b1100_0000 == 0b1000_0000 {
            continue; // a continuation byte: look further back for the lead byte
        }
        let need = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => return 0,
        };
        return if need > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests;
