//! ipftest(1) in brief mode (`-b`): read packets in IPFilter's text or hex
//! format, build the IPv4 packet bytes the way `ipft_tx.c` / `ipft_hx.c`
//! do (including their quirks: text packets have TTL 0, `ip_len` that does
//! not count IP options, a hex packet reuses the buffer of the one before),
//! summarise them like `fr_makefrip` of the chosen version and print one
//! verdict word per packet.

use crate::model::ipf::{fi, IcmpHeader, IpfRuleset, PacketInfo, TcpHeader, Tunables};
use crate::source::FileId;
use crate::syntax::ipf::{self as syn, names, IpfVersion};

/// Packet input format (`-F`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum InputFormat {
    #[default]
    Text,
    Hex,
}

#[derive(Clone, Debug, Default)]
pub struct IpftestOptions {
    pub version: IpfVersion,
    pub format: InputFormat,
    /// `-T name=value`.
    pub tunables: Vec<(String, String)>,
    /// `-I`: interface for packets that name none (default `anon0`).
    pub default_iface: Option<String>,
}

/// What a run printed.
#[derive(Clone, Debug, Default)]
pub struct IpftestRun {
    /// stdout: one word per packet, each on its own line.
    pub output: String,
    /// stderr lines (rule and packet errors).
    pub errors: Vec<String>,
    /// ipftest's exit status.
    pub status: i32,
}

const BUFSIZE: usize = 2048;

/// A raw packet as the readers leave it in the buffer.
struct RawPacket {
    iface: Option<String>,
    out: bool,
}

// ---------------------------------------------------------------------------
// Text format (ipft_tx.c)
// ---------------------------------------------------------------------------

fn tx_hostnum(s: &str, version: IpfVersion, errors: &mut Vec<String>) -> u32 {
    if s.eq_ignore_ascii_case("any") {
        return 0;
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        // inet_addr(): INADDR_NONE on error.
        return syn::inet_aton(s).unwrap_or(0xffff_ffff);
    }
    match names::builtin_host(s, version.is_v34()) {
        Some(a) => u32::from(a),
        None => {
            errors.push(format!("can't resolve hostname: {s}"));
            0
        }
    }
}

fn tx_portnum(s: &str, proto: u8, errors: &mut Vec<String>) -> u16 {
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        // atoi
        let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
        return digits.parse::<u64>().map_or(0, |v| v as u16);
    }
    match names::service(s, Some(proto)) {
        Some(p) => p,
        None => {
            errors.push(format!("unknown service \"{s}\"."));
            0
        }
    }
}

const TX_ICMPTYPES: [Option<&str>; 19] = [
    Some("echorep"),
    None,
    None,
    Some("unreach"),
    Some("squench"),
    Some("redir"),
    None,
    None,
    Some("echo"),
    Some("routerad"),
    Some("routersol"),
    Some("timex"),
    Some("paramprob"),
    Some("timest"),
    Some("timestrep"),
    Some("inforeq"),
    Some("inforep"),
    Some("maskreq"),
    Some("maskrep"),
];

/// `buildopts` + `addipopt`: the option bytes for `opt a,b=c`.
fn build_opts(spec: &str, errors: &mut Vec<String>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut seen = 0u32;
    for item in spec.split(',').filter(|s| !s.is_empty()) {
        let (name, class) = match item.split_once('=') {
            Some((n, c)) => (n, Some(c)),
            None => (item, None),
        };
        let lower = name.to_ascii_lowercase();
        let Some(io) = names::IP_OPTIONS
            .iter()
            .take(20)
            .find(|o| o.0 == lower && seen & o.2 == 0)
        else {
            if names::IP_OPTIONS.iter().take(20).any(|o| o.0 == lower) {
                continue;
            }
            errors.push(format!("unknown IP option name {name}"));
            return Vec::new();
        };
        seen |= io.2;
        let (value, siz) = (io.1, io.3 as usize);
        if out.len() + siz > 48 {
            errors.push("options too long".into());
            continue;
        }
        out.push(value);
        if siz > 1 {
            let start = out.len() - 1;
            out.push(siz as u8);
            out.push(4); // IPOPT_MINOFF
            if let Some(c) = class {
                match value {
                    130 => {
                        let lvl = names::sec_class_value(c).unwrap_or(0);
                        let last = out.len() - 1;
                        out[last] = lvl;
                    }
                    131 | 137 => {
                        // addipopt writes 7 into the pointer byte.
                        out[start + 2] = 3 + 4;
                        let a = syn::inet_aton(c).unwrap_or(0xffff_ffff);
                        out.extend_from_slice(&a.to_be_bytes());
                    }
                    136 => {
                        let v: u16 = c.parse().unwrap_or(0);
                        // bcopy of a host-order short (little-endian hosts).
                        out.extend_from_slice(&v.to_le_bytes());
                    }
                    _ => {}
                }
            }
            // Pad the option to its size, then to a multiple of 4 with NOP.
            out.resize(start + siz, 0);
            if out.len() & 3 != 0 {
                out.push(1);
            }
        }
    }
    out.push(0); // IPOPT_EOL
    out
}

/// `parseline`: fill `buf` with the packet a text line describes. `None`
/// when ipftest skips the line.
fn text_packet(
    line: &str,
    buf: &mut [u8; BUFSIZE],
    version: IpfVersion,
    errors: &mut Vec<String>,
) -> Option<RawPacket> {
    let v34 = version.is_v34();
    buf[..48].fill(0);
    buf[0] = 0x45;
    let toks: Vec<&str> = line
        .split([' ', '\u{8}', '\t', '\r', '\n'])
        .filter(|t| !t.is_empty())
        .take(19)
        .collect();
    let mut it = toks.into_iter().peekable();
    let d = it.next()?;
    let c = d.chars().next()?;
    if !c.is_ascii_alphabetic() || !matches!(c.to_ascii_lowercase(), 'i' | 'o') {
        errors.push(format!("bad direction \"{d}\""));
        return None;
    }
    let out = c.eq_ignore_ascii_case(&'o');
    let mut iface = None;
    let mut tok = it.next()?;
    if tok.eq_ignore_ascii_case("on") {
        iface = Some(it.next()?.to_string());
        tok = it.next()?;
    }
    let mut ip_len: u16 = 20;
    let lower = tok.to_ascii_lowercase();
    let p: u8 = if lower == "tcp" || lower == "udp" || lower == "icmp" {
        let p = match tok.as_bytes()[0] {
            b't' => {
                ip_len += 20;
                6
            }
            b'u' => {
                ip_len += 8;
                17
            }
            _ => {
                ip_len += 28;
                1
            }
        };
        tok = it.next()?;
        p
    } else if tok.starts_with(|c: char| c.is_ascii_digit()) && !tok.contains('.') {
        let digits: String = tok.chars().take_while(|c| c.is_ascii_digit()).collect();
        let p = digits.parse::<u64>().map_or(0, |v| v as u8);
        tok = it.next()?;
        p
    } else {
        0
    };
    buf[9] = p;
    let mut sport = 0u16;
    let mut dport = 0u16;
    let mut win = 0u16;
    let mut th_off = 0u8;
    let tcpudp = p == 6 || p == 17;
    let mut src_tok = tok;
    if tcpudp {
        let Some((a, port)) = tok.split_once(',') else {
            errors.push("tcp/udp with no source port".into());
            return None;
        };
        sport = tx_portnum(port, p, errors);
        if p == 6 && !v34 {
            win = 4096;
            th_off = 5;
        }
        src_tok = a;
    }
    let src = tx_hostnum(src_tok, version, errors);
    buf[12..16].copy_from_slice(&src.to_be_bytes());
    let tok = it.next()?;
    let mut dst_tok = tok;
    if tcpudp {
        let Some((a, port)) = tok.split_once(',') else {
            errors.push("tcp/udp with no destination port".into());
            return None;
        };
        dport = tx_portnum(port, p, errors);
        dst_tok = a;
    }
    let dst = tx_hostnum(dst_tok, version, errors);
    buf[16..20].copy_from_slice(&dst.to_be_bytes());
    let mut tcp_flags = 0u8;
    let mut urp = 0u16;
    let mut icmp_type = 0u8;
    let mut icmp_code = 0u8;
    let mut next = it.next();
    if let (Some(t), 6) = (next, p) {
        for ch in t.chars() {
            if let Some(i) = "FSRPAUEC".find(ch) {
                tcp_flags |= 1 << i;
            }
        }
        if tcp_flags != 0 {
            next = it.next();
        }
        if tcp_flags == 0 {
            // ipftest asserts/aborts here.
            errors.push(format!("no TCP flags in \"{t}\""));
            return None;
        }
        if v34 {
            win = 4096;
            th_off = 5;
        } else if tcp_flags & 0x20 != 0 {
            urp = 1;
        }
    } else if let (Some(t), 1) = (next, p) {
        let (name, code) = match t.split_once(',') {
            Some((n, c)) => (n, Some(c)),
            None => (t, None),
        };
        for (i, ty) in TX_ICMPTYPES.iter().enumerate() {
            let Some(ty) = ty else { continue };
            let hit = if v34 {
                t.len() >= ty.len() && t[..ty.len()].eq_ignore_ascii_case(ty)
            } else {
                name.eq_ignore_ascii_case(ty)
            };
            if hit {
                icmp_type = i as u8;
                if let Some(c) = code {
                    let digits: String = c.chars().take_while(|c| c.is_ascii_digit()).collect();
                    icmp_code = digits.parse::<u64>().map_or(0, |v| v as u8);
                }
                next = it.next();
                break;
            }
        }
    }
    let mut hl = 5usize;
    if let Some(t) = next {
        if t.eq_ignore_ascii_case("opt") {
            if let Some(spec) = it.next() {
                let opts = build_opts(spec, errors);
                if !opts.is_empty() {
                    buf[20..20 + opts.len()].copy_from_slice(&opts);
                    hl += opts.len() >> 2;
                }
            }
        }
    }
    buf[0] = 0x40 | hl as u8;
    let h = hl * 4;
    if tcpudp {
        buf[h..h + 20].fill(0);
        buf[h..h + 2].copy_from_slice(&sport.to_be_bytes());
        buf[h + 2..h + 4].copy_from_slice(&dport.to_be_bytes());
        if p == 6 {
            buf[h + 12] = th_off << 4;
            buf[h + 13] = tcp_flags;
            buf[h + 14..h + 16].copy_from_slice(&win.to_be_bytes());
            buf[h + 18..h + 20].copy_from_slice(&urp.to_be_bytes());
        }
    } else if p == 1 {
        buf[h..h + 28].fill(0);
        buf[h] = icmp_type;
        buf[h + 1] = icmp_code;
    }
    buf[2..4].copy_from_slice(&ip_len.to_be_bytes());
    Some(RawPacket { iface, out })
}

// ---------------------------------------------------------------------------
// Hex format (ipft_hx.c)
// ---------------------------------------------------------------------------

/// `readhex`: hex digit pairs into `buf` from `pos`; blanks end a byte; any
/// other character ends the line. Returns the new position, and why the
/// line was cut short when it was (ipftest says nothing; we do).
fn read_hex(src: &str, buf: &mut [u8; BUFSIZE], mut pos: usize) -> (usize, Option<String>) {
    let mut half = false;
    for c in src.chars() {
        if c.is_ascii_whitespace() {
            if half {
                pos += 1;
                half = false;
            }
            continue;
        }
        let Some(v) = c.to_digit(16) else {
            let why = format!("`{}` is not a hex digit", c.escape_debug());
            return (pos, Some(why));
        };
        if pos >= BUFSIZE {
            return (
                pos,
                Some(format!("the packet is longer than {BUFSIZE} bytes")),
            );
        }
        if !half {
            buf[pos] = (v as u8) << 4;
            half = true;
        } else {
            buf[pos] |= v as u8;
            pos += 1;
            half = false;
        }
    }
    (pos, None)
}

// ---------------------------------------------------------------------------
// fr_makefrip
// ---------------------------------------------------------------------------

fn be16(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i % BUFSIZE], b[(i + 1) % BUFSIZE]])
}

fn be32(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([
        b[i % BUFSIZE],
        b[(i + 1) % BUFSIZE],
        b[(i + 2) % BUFSIZE],
        b[(i + 3) % BUFSIZE],
    ])
}

/// IPFilter's option table as `fr_makefrip` searches it (value, bit).
const IPOPTS: [(u8, u32); 20] = [
    (1, 0x000001),
    (7, 0x000002),
    (10, 0x000004),
    (11, 0x000008),
    (12, 0x000010),
    (15, 0x000020),
    (68, 0x000040),
    (82, 0x000080),
    (130, 0x000100),
    (131, 0x000200),
    (133, 0x000400),
    (134, 0x000800),
    (136, 0x001000),
    (137, 0x002000),
    (147, 0x004000),
    (142, 0x008000),
    (144, 0x010000),
    (145, 0x020000),
    (205, 0x040000),
    (0, 0),
];

const SECOPT: [(u8, u16); 8] = [
    (0x01, 0x01),
    (0x3d, 0x02),
    (0x5a, 0x04),
    (0x66, 0x08),
    (0x96, 0x10),
    (0xab, 0x20),
    (0xcc, 0x40),
    (0xf1, 0x80),
];

/// The option walk of `fr_makefrip` (its binary search over a table that
/// is not quite sorted included). 4.1 only counts options longer than 4.
fn scan_options(b: &[u8], hlen: usize, v41: bool) -> (u32, u16, u16) {
    let (mut optmsk, mut secmsk, mut auth) = (0u32, 0u16, 0u16);
    let mut left = hlen as i32 - 20;
    let mut s = 20usize;
    while left > 0 {
        let opt = b[s % BUFSIZE];
        let ol: i32;
        if opt == 0 {
            break;
        } else if opt == 1 {
            ol = 1;
        } else {
            if left < 2 {
                break;
            }
            ol = i32::from(b[(s + 1) % BUFSIZE]);
            if ol < 2 || ol > left {
                break;
            }
        }
        let mut i: i32 = 9;
        let mut mv: i32 = 4;
        while mv >= 0 {
            let op = IPOPTS[i.clamp(0, 19) as usize];
            if opt == op.0 && (!v41 || ol > 4) {
                optmsk |= op.1;
                if opt == 130 {
                    let sec = b[(s + 2) % BUFSIZE];
                    let mut j: i32 = 3;
                    let mut m: i32 = 2;
                    while m >= 0 {
                        let sp = SECOPT[j.clamp(0, 7) as usize];
                        if sec == sp.0 {
                            secmsk |= sp.1;
                            auth = u16::from(b[(s + 3) % BUFSIZE]) * 256
                                + u16::from(b[(s + 4) % BUFSIZE]);
                            break;
                        }
                        if sec < sp.0 {
                            j -= m;
                        } else {
                            j += m;
                        }
                        m -= 1;
                    }
                }
                break;
            }
            if opt < op.0 {
                i -= mv;
            } else {
                i += mv;
            }
            mv -= 1;
        }
        left -= ol;
        s += ol as usize;
    }
    if auth != 0 && auth & 0x0100 == 0 {
        auth &= 0xff00;
    }
    (optmsk, secmsk, auth)
}

/// Summarise the IPv4 packet in `b` (with `ip_len`/`ip_off` as in the
/// packet) like `fr_makefrip`.
/// `fr_checkl4sum` as built for userland: the pseudo-header, then `slen`
/// bytes from the end of the IP addresses (the L4 header when there are no
/// options), with the checksum field itself read as 0.
fn l4sum_ok(b: &[u8; BUFSIZE], hlen: usize, p: u8) -> bool {
    let ip_len = be16(b, 2);
    let slen = ip_len.wrapping_sub(hlen as u16);
    let (field, pseudo) = match p {
        6 => (hlen + 16, true),
        17 => {
            if be16(b, hlen + 6) == 0 {
                return true;
            }
            (hlen + 6, true)
        }
        1 => (hlen + 2, false),
        _ => return true,
    };
    let mut sum: u32 = 0;
    if pseudo {
        sum = u32::from(p) + u32::from(slen);
        for i in [12, 14, 16, 18] {
            sum += u32::from(be16(b, i));
        }
    }
    let mut pos = 20usize;
    let mut left = u32::from(slen);
    while left > 1 {
        let w = if pos == field { 0 } else { be16(b, pos) };
        sum += u32::from(w);
        pos += 2;
        left -= 2;
    }
    if left == 1 {
        sum += u32::from(b[pos % BUFSIZE]) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    (!sum & 0xffff) as u16 == be16(b, field)
}

/// Summarise the IPv4 packet in `b` like `fr_makefrip`. 4.x marks TCP, UDP
/// and ICMP packets whose checksum is wrong as bad when `verify_sums`
/// (ipftest fixes the checksums of text packets, not of hex ones).
pub fn decode(
    b: &[u8; BUFSIZE],
    version: IpfVersion,
    iface: &str,
    out: bool,
    verify_sums: bool,
) -> PacketInfo {
    let v34 = version.is_v34();
    let hlen = usize::from(b[0] & 0x0f) * 4;
    let ip_len = be16(b, 2);
    let ip_off = be16(b, 6);
    let mut fin = PacketInfo {
        v: b[0] >> 4,
        out,
        ifname: iface.to_string(),
        tos: b[1],
        ttl: b[8],
        p: b[9],
        src: [be32(b, 12), 0, 0, 0],
        dst: [be32(b, 16), 0, 0, 0],
        id: be16(b, 4),
        hlen: hlen as u32,
        plen: i32::from(ip_len),
        dlen: i32::from(ip_len) - hlen as i32,
        mf: ip_off & 0x2000 != 0,
        ..Default::default()
    };
    let h = hlen;
    let dlen = fin.dlen;
    let mut off = u32::from(ip_off & 0x1fff);
    if v34 {
        if hlen > 20 {
            fin.flx |= fi::OPTIONS;
        }
        if ip_off & 0x3fff != 0 {
            fin.flx |= fi::FRAG;
        }
        off <<= 3;
        fin.off = off;
        let plen = i32::from(ip_len);
        match fin.p {
            1 => {
                let mut min = 28;
                if off == 0 && dlen > 1 {
                    fin.data[0] = be16(b, h);
                    min = match b[h] {
                        0 | 8 | 9 | 10 => 8,
                        13 | 14 => 20,
                        17 | 18 => 12,
                        _ => 28,
                    };
                }
                if (plen < h as i32 + min && off == 0) || (off != 0 && off < 28) {
                    fin.flx |= fi::SHORT;
                }
            }
            6 | 17 => {
                fin.flx |= fi::TCPUDP;
                let need = if fin.p == 6 { 20 } else { 8 };
                if (i32::from(ip_len) < h as i32 + need && off == 0)
                    || (off != 0 && off < need as u32)
                {
                    fin.flx |= fi::SHORT;
                }
                if fin.p == 6 && fin.flx & fi::SHORT == 0 && off == 0 {
                    fin.tcpf = b[h + 13];
                }
                if off == 0 && dlen > 3 {
                    fin.data = [be16(b, h), be16(b, h + 2)];
                }
            }
            50 if (i32::from(ip_len) < h as i32 + 8 && off == 0) || (off != 0 && off < 8) => {
                fin.flx |= fi::SHORT;
            }
            _ => {}
        }
        let (o, s, a) = scan_options(b, hlen, false);
        fin.optmsk = o;
        fin.secmsk = s;
        fin.auth = a;
    } else {
        let mut o = ip_off & 0x3fff;
        if o != 0 {
            fin.flx |= fi::FRAG;
            o &= 0x1fff;
            if o != 0 {
                fin.flx |= fi::FRAGBODY;
                let bytes = u32::from(o) << 3;
                if bytes as i32 + dlen > 65535 || dlen == 0 || dlen & 7 != 0 {
                    fin.flx |= fi::BAD;
                }
            }
        }
        let off = u32::from(o) << 3;
        fin.off = off;
        let short = |fin: &mut PacketInfo, min: i32| {
            if fin.off == 0 {
                if fin.dlen < min {
                    fin.flx |= fi::SHORT;
                }
            } else if (fin.off as i32) < min {
                fin.flx |= fi::SHORT;
            }
        };
        match fin.p {
            17 => {
                short(&mut fin, 8);
                fin.flx |= fi::TCPUDP;
                if off == 0 && dlen > 3 {
                    fin.data = [be16(b, h), be16(b, h + 2)];
                }
            }
            6 => {
                short(&mut fin, 20);
                fin.flx |= fi::TCPUDP;
                if off == 0 {
                    if dlen > 3 {
                        fin.data = [be16(b, h), be16(b, h + 2)];
                    }
                    if fin.flx & fi::SHORT == 0 {
                        let tlen = usize::from(b[h + 12] >> 4) * 4;
                        if tlen < 20 {
                            fin.flx |= fi::BAD;
                        } else {
                            let flags = b[h + 13];
                            fin.tcpf = flags;
                            let urp = be16(b, h + 18);
                            let ack = be32(b, h + 8);
                            if flags & 0x20 != 0 && urp == 0 {
                                fin.flx |= fi::BAD;
                            } else if flags & 0x20 == 0 && urp != 0 {
                            } else if flags & 0x03 != 0 && flags & 0x14 == 0x04 {
                                fin.flx |= fi::BAD;
                            } else if flags & 0x10 == 0 {
                                if flags == 0x02 && ack != 0 {
                                } else if flags & 0x06 == 0 || flags & 0x29 != 0 {
                                    fin.flx |= fi::BAD;
                                }
                            }
                        }
                    }
                }
            }
            1 => {
                if off != 0 {
                    short(&mut fin, 8);
                } else {
                    let mut min = 28;
                    if dlen > 1 {
                        fin.data[0] = be16(b, h);
                        match b[h] {
                            0 | 8 | 9 | 10 => min = 8,
                            13 | 14 => min = 20,
                            17 | 18 => min = 12,
                            3 | 4 | 5 | 11 | 12 => {
                                if b[h] == 3 && b[h + 1] == 4 && be16(b, h + 6) < 68 {
                                    fin.flx |= fi::BAD;
                                }
                                fin.flx |= fi::ICMPERR;
                                if be16(b, h + 8 + 6) & 0x1fff != 0 {
                                    fin.flx |= fi::BAD;
                                }
                            }
                            _ => {}
                        }
                        if dlen >= 6 {
                            fin.data[1] = be16(b, h + 4);
                        }
                    }
                    short(&mut fin, min);
                }
            }
            51 => {
                short(&mut fin, 12);
                if fin.flx & fi::SHORT == 0 && off == 0 {
                    let len = (i32::from(b[h + 1]) + 2) << 2;
                    short(&mut fin, len);
                }
            }
            50 if off == 0 => short(&mut fin, 8),
            47 => short(&mut fin, 4),
            _ => {}
        }
        if verify_sums
            && matches!(fin.p, 1 | 6 | 17)
            && fin.flx & (fi::FRAG | fi::SHORT | fi::BAD) == 0
            && !l4sum_ok(b, hlen, fin.p)
        {
            fin.flx |= fi::BAD;
        }
        if hlen != 20 {
            fin.flx |= fi::OPTIONS;
            let (o, s, a) = scan_options(b, hlen, true);
            fin.optmsk = o;
            fin.secmsk = s;
            fin.auth = a;
        }
    }
    if fin.p == 6 && fin.off == 0 {
        fin.tcp = Some(TcpHeader {
            seq: be32(b, h + 4),
            ack: be32(b, h + 8),
            win: be16(b, h + 14),
            off: u32::from(b[h + 12] >> 4) * 4,
            flags: b[h + 13],
        });
    }
    if fin.p == 1 && fin.off == 0 {
        fin.icmp = Some(IcmpHeader {
            icmp_type: b[h],
            code: b[h + 1],
            id: be16(b, h + 4),
            seq: be16(b, h + 6),
        });
    }
    fin
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

fn tunables(opts: &IpftestOptions, errors: &mut Vec<String>) -> Tunables {
    let mut t = Tunables::default();
    for (name, value) in &opts.tunables {
        let state_max = matches!(name.as_str(), "fr_statemax" | "state_max");
        let max = match name.as_str() {
            _ if state_max => u64::from(u32::MAX),
            "fr_minttl" | "minttl" => 255,
            _ => {
                errors.push(format!("unknown tunable {name}={value}"));
                continue;
            }
        };
        match syn::parse_c_number(value).filter(|v| *v <= max) {
            Some(v) if state_max => t.state_max = v as usize,
            Some(v) => t.min_ttl = v as u8,
            None => errors.push(format!(
                "bad value for tunable {name}: `{value}` (a number from 0 to {max})"
            )),
        }
    }
    t
}

/// Load `rules` as ipftest -r does for the version. 4.x/5.x exit at the
/// first syntax error (status 1, nothing printed).
pub fn load_rules(
    rules: &str,
    opts: &IpftestOptions,
    errors: &mut Vec<String>,
) -> Option<IpfRuleset> {
    let parsed = syn::parse(FileId(0), rules, opts.version);
    for d in &parsed.diagnostics {
        if d.rule.code != "IPS1301" {
            continue;
        }
        let line = rules[..d.location.span.start().min(rules.len())]
            .matches('\n')
            .count()
            + 1;
        errors.push(format!("{line}: {}", d.message));
    }
    if !opts.version.is_v34() && !parsed.file.errors.is_empty() {
        return None;
    }
    let t = tunables(opts, errors);
    let rs = IpfRuleset::load_with(FileId(0), &parsed.file, t);
    for n in &rs.notes {
        let line = rules[..n.span.start().min(rules.len())]
            .matches('\n')
            .count()
            + 1;
        errors.push(format!("{line}: rule not loaded: {:?}", n.problem));
    }
    Some(rs)
}

/// Run ipftest -b: one verdict word per packet.
pub fn run(rules: &str, packets: &str, opts: &IpftestOptions) -> IpftestRun {
    let mut res = IpftestRun::default();
    let Some(rs) = load_rules(rules, opts, &mut res.errors) else {
        res.status = 1;
        return res;
    };
    let mut session = rs.session();
    let default_iface = opts.default_iface.clone().unwrap_or_else(|| "anon0".into());
    let mut buf = [0u8; BUFSIZE];
    let mut emit = |buf: &[u8; BUFSIZE], raw: RawPacket, out: &mut String| {
        let iface = raw
            .iface
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| default_iface.clone());
        let fin = decode(
            buf,
            opts.version,
            &iface,
            raw.out,
            opts.format == InputFormat::Hex,
        );
        let o = session.check(&fin);
        out.push_str(&o.word(opts.version));
        out.push('\n');
    };
    match opts.format {
        InputFormat::Text => {
            for line in packets.split_inclusive('\n') {
                // fgets reads at most 511 characters.
                let line = line.get(..511).unwrap_or(line);
                let body = line.split(['\n', '\r', '#']).next().unwrap_or("");
                if body.is_empty() {
                    continue;
                }
                if let Some(raw) = text_packet(body, &mut buf, opts.version, &mut res.errors) {
                    emit(&buf, raw, &mut res.output);
                }
            }
        }
        InputFormat::Hex => {
            let mut pos = 0usize;
            let mut iface: Option<String> = None;
            let mut out = false;
            let mut started = 0;
            for (n, line) in packets.split_inclusive('\n').enumerate() {
                if pos == 0 {
                    started = n + 1;
                }
                if line == "\n" {
                    if pos == 0 {
                        // A packet of no bytes ends the input.
                        return res;
                    }
                    emit(
                        &buf,
                        RawPacket {
                            iface: iface.take(),
                            out,
                        },
                        &mut res.output,
                    );
                    pos = 0;
                    out = false;
                    continue;
                }
                let mut body = line.trim_end_matches('\n');
                if let Some(h) = body.find('#') {
                    body = &body[..h];
                }
                if body.is_empty() {
                    continue;
                }
                let mut rest = body;
                if body.starts_with('[') {
                    if let Some(close) = body.find(']') {
                        let inner = &body[1..close];
                        if !inner.is_empty() {
                            match inner.split_once(',') {
                                Some((d, i)) => {
                                    iface = Some(i.to_string());
                                    if d.starts_with('i') {
                                        out = false;
                                    } else if d.starts_with('o') {
                                        out = true;
                                    }
                                }
                                None => iface = Some(inner.to_string()),
                            }
                            rest = &body[close + 1..];
                        } else {
                            rest = &body[close..];
                        }
                    }
                }
                let (end, cut) = read_hex(rest, &mut buf, pos);
                pos = end;
                if let Some(why) = cut {
                    res.errors.push(format!(
                        "ipseclint: packets line {}: {why}: ipftest ignores the rest of the line",
                        n + 1
                    ));
                }
            }
            // At EOF the packet being read is dropped.
            if pos > 0 {
                res.errors.push(format!(
                    "ipseclint: packets line {started}: the last packet is not ended by a blank line: ipftest drops it"
                ));
            }
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: IpfVersion, f: InputFormat) -> IpftestOptions {
        IpftestOptions {
            version: v,
            format: f,
            ..Default::default()
        }
    }

    #[test]
    fn text_packets_like_ipft_tx() {
        let mut buf = [0u8; BUFSIZE];
        let mut e = Vec::new();
        let raw = text_packet(
            "in on e0 tcp 1.1.1.1,1 2.1.2.2,23 S",
            &mut buf,
            IpfVersion::V3_4,
            &mut e,
        )
        .unwrap();
        assert_eq!(raw.iface.as_deref(), Some("e0"));
        assert_eq!(&buf[..4], &[0x45, 0, 0, 40]);
        assert_eq!(buf[8], 0, "ipftest leaves the TTL at 0");
        assert_eq!(buf[20 + 13], 0x02);
        let fin = decode(&buf, IpfVersion::V3_4, "e0", false, false);
        assert_eq!(fin.data, [1, 23]);
        assert_eq!(fin.flx, fi::TCPUDP);
        // Options are not counted in ip_len: the TCP header looks short.
        text_packet(
            "in tcp 1.1.1.1,1 2.1.1.1,2 S opt lsrr",
            &mut buf,
            IpfVersion::V3_4,
            &mut e,
        )
        .unwrap();
        assert_eq!(buf[0], 0x47);
        let fin = decode(&buf, IpfVersion::V3_4, "anon0", false, false);
        assert_eq!(fin.flx & fi::SHORT, fi::SHORT);
        // The padding NOP counts too (3.4 records NOP options).
        assert_eq!(fin.optmsk, 0x201);
    }

    #[test]
    fn security_option_classes() {
        let mut buf = [0u8; BUFSIZE];
        let mut e = Vec::new();
        text_packet(
            "in 1.1.1.1 2.1.1.1 opt sec-class=topsecret",
            &mut buf,
            IpfVersion::V3_4,
            &mut e,
        )
        .unwrap();
        let fin = decode(&buf, IpfVersion::V3_4, "anon0", false, false);
        assert_eq!((fin.optmsk, fin.secmsk), (0x101, 0x02));
    }

    #[test]
    fn runs_dotest_style() {
        let r = run(
            "block in proto tcp from any to any flags S/SA\n",
            "in tcp 1.1.1.1,1 2.1.2.2,1 S\nin tcp 1.1.1.1,1 2.1.2.2,1 SA\nout tcp 1.1.1.1,1 2.1.2.2,1 S\n",
            &opts(IpfVersion::V4_1, InputFormat::Text),
        );
        assert_eq!(r.output, "block\nnomatch\nnomatch\n");
    }

    #[test]
    fn hex_packets_end_at_blank_lines() {
        let pkts = "[out,ppp0]\n4500 0014 0000 0000 3f32 0000 0101 0101\n0202 0202\n\n# not followed by a blank line\n4500 0014 0000 0000 3f32 0000 0101 0101 0202 0202\n";
        let r = run(
            "pass out on ppp0 proto esp all\n",
            pkts,
            &opts(IpfVersion::V4_1, InputFormat::Hex),
        );
        assert_eq!(r.output, "pass\n");
    }

    #[test]
    fn v4_syntax_error_prints_nothing() {
        let r = run(
            "pass in from any port = 22 to any junk\n",
            "in 1.1.1.1 2.2.2.2\n",
            &opts(IpfVersion::V4_1, InputFormat::Text),
        );
        assert_eq!(r.status, 1);
        assert!(r.output.is_empty());
        let r = run(
            "pass in proto esp from any port = 22 to any\npass in all\n",
            "in 1.1.1.1 2.2.2.2\n",
            &opts(IpfVersion::V3_4, InputFormat::Text),
        );
        assert_eq!(r.output, "pass\n");
    }
}
