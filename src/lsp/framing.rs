//! The JSON-RPC framing in front of the protocol library: each message is
//! read by its `Content-Length` and checked to be JSON before it is passed
//! on. tower-lsp-server's reader stops for good at the first undecodable
//! message, so a malformed one is replaced here by a request for a method
//! nobody has, which the server answers with an error (id null) and goes on.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The largest message read; a longer one is skipped unread.
const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// What replaces a message that is not a JSON object.
const MALFORMED: &str = r#"{"jsonrpc":"2.0","id":null,"method":"ipseclint/malformedMessage"}"#;

/// Copy framed messages from `input` to `output` until either ends.
pub async fn sanitize<R, W>(input: R, mut output: W)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BufReader::new(input);
    while let Some(len) = read_headers(&mut input).await {
        let Some(len) = len else { continue };
        let body = if len > MAX_MESSAGE {
            let skipped =
                tokio::io::copy(&mut (&mut input).take(len as u64), &mut tokio::io::sink()).await;
            if skipped.map_or(true, |n| n < len as u64) {
                break;
            }
            MALFORMED.as_bytes().to_vec()
        } else {
            let mut body = vec![0; len];
            if input.read_exact(&mut body).await.is_err() {
                break;
            }
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(v) if v.is_object() => body,
                _ => MALFORMED.as_bytes().to_vec(),
            }
        };
        let head = format!("Content-Length: {}\r\n\r\n", body.len());
        if output.write_all(head.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
            || output.flush().await.is_err()
        {
            break;
        }
    }
    let _ = output.shutdown().await;
}

/// Read one header block. `None` at the end of the input; `Some(None)` for
/// a block without a usable `Content-Length` (skipped).
async fn read_headers<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Option<Option<usize>> {
    let mut len = None;
    let mut any = false;
    loop {
        let mut line = Vec::new();
        let n = input.read_until(b'\n', &mut line).await.ok()?;
        if n == 0 {
            return None;
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim();
        if line.is_empty() {
            if any {
                return Some(len);
            }
            continue;
        }
        any = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                len = value.trim().parse().ok();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn through(input: &[u8]) -> String {
        let mut out = Vec::new();
        sanitize(input, &mut out).await;
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn good_messages_pass_and_bad_ones_become_an_unknown_method() {
        let out = through(b"Content-Length: 2\r\n\r\n{}Content-Length: 5\r\n\r\n{oops\r\nX-Junk: 1\r\n\r\nContent-Length: 2\r\n\r\n{}").await;
        assert_eq!(
            out,
            format!("Content-Length: 2\r\n\r\n{{}}Content-Length: {}\r\n\r\n{MALFORMED}Content-Length: 2\r\n\r\n{{}}", MALFORMED.len())
        );
    }
}
