//! Which firewall rules can never match: an exact analysis on header space,
//! in the style of Batfish's filterLineReachability.
//!
//! Every rule's match is encoded as a BDD over the header bits (direction,
//! interface, protocol, address family, source and destination address,
//! ports). One pass over the ruleset keeps the set of packets still
//! undecided, so the work is linear in the number of rules (plus, for each
//! dead rule only, finding the rules that cover it).

use crate::model::firewall::{
    iface_pattern_matches, AddrSpace, Dir, HeaderSpace, MatchOrder, Packet, RuleEffect, RuleInfo,
};
use biodivine_lib_bdd::{Bdd, BddVariable, BddVariableSet};
use std::collections::{BTreeSet, HashMap};

/// A rule that can never decide a packet, and the rules that take its packets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shadowed {
    /// Index into the rules given to [`shadowed_rules`].
    pub rule: usize,
    /// The rules that match every packet this rule would match first
    /// (ipfw: earlier; ipf: earlier `quick` or later rules).
    pub by: Vec<usize>,
    /// Every covering rule has the same effect (dead code, not a contradiction).
    pub same_effect: bool,
}

struct Encoder {
    vars: BddVariableSet,
    dir: BddVariable,
    ifaces: Vec<BddVariable>,
    iface_names: Vec<String>,
    proto: Vec<BddVariable>,
    src_fam: BddVariable,
    src: Vec<BddVariable>,
    dst_fam: BddVariable,
    dst: Vec<BddVariable>,
    sport: Vec<BddVariable>,
    dport: Vec<BddVariable>,
}

fn bits_needed(n: usize) -> usize {
    let mut b = 1;
    while (1usize << b) < n {
        b += 1;
    }
    b
}

impl Encoder {
    fn new(rules: &[RuleInfo]) -> Encoder {
        let mut names: BTreeSet<String> = BTreeSet::new();
        for r in rules {
            if let Some(HeaderSpace { iface: Some(n), .. }) = &r.space {
                // A pattern (`gif*`) gets a stand-in name of its own.
                names.insert(n.replace(['*', '?', '[', ']'], ""));
            }
        }
        // One extra value stands for "any other interface".
        let iface_names: Vec<String> = names.into_iter().collect();
        let ib = bits_needed(iface_names.len() + 1);
        let total = 1 + ib + 8 + 1 + 128 + 1 + 128 + 16 + 16;
        let vars = BddVariableSet::new_anonymous(total as u16);
        let all = vars.variables();
        let mut it = all.into_iter();
        let mut take = |n: usize| -> Vec<BddVariable> { (&mut it).take(n).collect() };
        let dir = take(1)[0];
        let ifaces = take(ib);
        let proto = take(8);
        let src_fam = take(1)[0];
        let src = take(128);
        let dst_fam = take(1)[0];
        let dst = take(128);
        let sport = take(16);
        let dport = take(16);
        Encoder {
            vars,
            dir,
            ifaces,
            iface_names,
            proto,
            src_fam,
            src,
            dst_fam,
            dst,
            sport,
            dport,
        }
    }

    /// `value` on `bits` (most significant first), for the top `len` bits.
    fn prefix(&self, bits: &[BddVariable], value: u128, width: usize, len: usize) -> Bdd {
        let mut b = self.vars.mk_true();
        for (i, v) in bits.iter().take(len.min(width)).enumerate() {
            let bit = (value >> (width - 1 - i)) & 1 == 1;
            b = b.and(&self.vars.mk_literal(*v, bit));
        }
        b
    }

    /// bits >= lo (unsigned, `bits` most significant first).
    fn ge(&self, bits: &[BddVariable], lo: u64) -> Bdd {
        let w = bits.len();
        // Build from the least significant bit up.
        let mut acc = self.vars.mk_true(); // suffix >= suffix of lo
        for i in (0..w).rev() {
            let bit = (lo >> (w - 1 - i)) & 1 == 1;
            let x = self.vars.mk_var(bits[i]);
            acc = if bit { x.and(&acc) } else { x.or(&acc) };
        }
        acc
    }

    /// bits <= hi.
    fn le(&self, bits: &[BddVariable], hi: u64) -> Bdd {
        let w = bits.len();
        let mut acc = self.vars.mk_true();
        for i in (0..w).rev() {
            let bit = (hi >> (w - 1 - i)) & 1 == 1;
            let nx = self.vars.mk_not_var(bits[i]);
            acc = if bit { nx.or(&acc) } else { nx.and(&acc) };
        }
        acc
    }

    fn range(&self, bits: &[BddVariable], lo: u64, hi: u64) -> Bdd {
        self.ge(bits, lo).and(&self.le(bits, hi))
    }

    fn addr(&self, fam: BddVariable, bits: &[BddVariable], m: &AddrSpace) -> Bdd {
        let nets = match m {
            AddrSpace::Any => return self.vars.mk_true(),
            AddrSpace::In(n) | AddrSpace::NotIn(n) => n,
        };
        let mut any = self.vars.mk_false();
        for n in nets {
            let b = match n {
                ipnet::IpNet::V4(v4) => {
                    // IPv4 in the top 32 of the 128 address bits; the rest zero.
                    let v = u128::from(u32::from(v4.network())) << 96;
                    self.vars
                        .mk_literal(fam, false)
                        .and(&self.prefix(bits, v, 128, v4.prefix_len() as usize))
                        .and(&self.prefix(&bits[32..], 0, 96, 96))
                }
                ipnet::IpNet::V6(v6) => self.vars.mk_literal(fam, true).and(&self.prefix(
                    bits,
                    u128::from(v6.network()),
                    128,
                    v6.prefix_len() as usize,
                )),
            };
            any = any.or(&b);
        }
        if matches!(m, AddrSpace::NotIn(_)) {
            self.wellformed(fam, bits).and_not(&any)
        } else {
            any
        }
    }

    fn iface_value(&self, i: usize) -> Bdd {
        self.prefix(
            &self.ifaces,
            i as u128,
            self.ifaces.len(),
            self.ifaces.len(),
        )
    }

    fn space(&self, s: &HeaderSpace) -> Bdd {
        let mut b = self.vars.mk_true();
        match s.dirs.as_slice() {
            [d] => b = b.and(&self.vars.mk_literal(self.dir, *d == Dir::Out)),
            [] => return self.vars.mk_false(),
            _ => {}
        }
        if let Some(pat) = &s.iface {
            let mut any = self.vars.mk_false();
            for (i, name) in self.iface_names.iter().enumerate() {
                if iface_pattern_matches(pat, name)
                    || *name == pat.replace(['*', '?', '[', ']'], "")
                {
                    any = any.or(&self.iface_value(i));
                }
            }
            b = b.and(&any);
        }
        if let Some(ps) = &s.protos {
            let mut any = self.vars.mk_false();
            for p in ps {
                any = any.or(&self.prefix(&self.proto, u128::from(*p), 8, 8));
            }
            b = b.and(&any);
        }
        b = b.and(&self.addr(self.src_fam, &self.src, &s.src));
        b = b.and(&self.addr(self.dst_fam, &self.dst, &s.dst));
        for (ports, bits) in [(&s.sports, &self.sport), (&s.dports, &self.dport)] {
            if let Some(ranges) = ports {
                let mut any = self.vars.mk_false();
                for (lo, hi) in ranges {
                    any = any.or(&self.range(bits, u64::from(*lo), u64::from(*hi)));
                }
                // Only TCP and UDP packets have ports.
                let tcpudp =
                    self.prefix(&self.proto, 6, 8, 8)
                        .or(&self.prefix(&self.proto, 17, 8, 8));
                b = b.and(&any).and(&tcpudp);
            }
        }
        b
    }

    /// Packets that exist: the interface value is one we know or "other",
    /// and IPv4 addresses have zero low bits.
    fn universe(&self) -> Bdd {
        let mut ifs = self.vars.mk_false();
        for i in 0..=self.iface_names.len() {
            ifs = ifs.or(&self.iface_value(i));
        }
        ifs.and(&self.wellformed(self.src_fam, &self.src))
            .and(&self.wellformed(self.dst_fam, &self.dst))
    }

    /// Addresses that exist: IPv4 ones have their low 96 bits zero.
    fn wellformed(&self, fam: BddVariable, bits: &[BddVariable]) -> Bdd {
        let v4 = self
            .vars
            .mk_literal(fam, false)
            .and(&self.prefix(&bits[32..], 0, 96, 96));
        v4.or(&self.vars.mk_literal(fam, true))
    }
}

fn decides(r: &RuleInfo) -> bool {
    matches!(r.effect, RuleEffect::Pass | RuleEffect::Block)
}

/// A cheap over-approximation of a rule's space used to find the few rules
/// that can overlap it, so the exact BDD check only sees those.
#[derive(Clone, Debug)]
struct Bounds {
    dir: Option<Dir>,
    protos: Option<Vec<u8>>,
    /// (family is v6, low, high) over the address; `None` = any (or negated).
    src: Option<Vec<(bool, u128, u128)>>,
    dst: Option<Vec<(bool, u128, u128)>>,
}

fn addr_bounds(m: &AddrSpace) -> Option<Vec<(bool, u128, u128)>> {
    let AddrSpace::In(nets) = m else { return None };
    Some(
        nets.iter()
            .map(|n| match n {
                ipnet::IpNet::V4(v) => (
                    false,
                    u128::from(u32::from(v.network())),
                    u128::from(u32::from(v.broadcast())),
                ),
                ipnet::IpNet::V6(v) => (true, u128::from(v.network()), u128::from(v.broadcast())),
            })
            .collect(),
    )
}

impl Bounds {
    fn of(s: &HeaderSpace) -> Bounds {
        let dir = match s.dirs.as_slice() {
            [d] => Some(*d),
            _ => None,
        };
        Bounds {
            dir,
            protos: s.protos.clone(),
            src: addr_bounds(&s.src),
            dst: addr_bounds(&s.dst),
        }
    }

    fn may_intersect(&self, o: &Bounds) -> bool {
        let ranges =
            |a: &Option<Vec<(bool, u128, u128)>>, b: &Option<Vec<(bool, u128, u128)>>| match (a, b)
            {
                (Some(x), Some(y)) => x.iter().any(|(f, lo, hi)| {
                    y.iter()
                        .any(|(g, lo2, hi2)| f == g && lo <= hi2 && lo2 <= hi)
                }),
                _ => true,
            };
        let dirs = match (self.dir, o.dir) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        let protos = match (&self.protos, &o.protos) {
            (Some(a), Some(b)) => a.iter().any(|p| b.contains(p)),
            _ => true,
        };
        dirs && protos && ranges(&self.src, &o.src) && ranges(&self.dst, &o.dst)
    }
}

/// Prefix levels (in bits from the top) at which address ranges are indexed.
const LEVELS: [u32; 3] = [8, 16, 24];

fn width(v6: bool) -> u32 {
    if v6 {
        128
    } else {
        32
    }
}

/// The deepest level at which `lo..=hi` lies within one prefix.
fn level_of(v6: bool, lo: u128, hi: u128) -> Option<u32> {
    // IPv6 ranges are indexed on their top 64 bits, at levels 16, 32, 48.
    let scale = if v6 { 2 } else { 1 };
    LEVELS
        .iter()
        .rev()
        .map(|l| l * scale)
        .find(|l| (lo >> (width(v6) - l)) == (hi >> (width(v6) - l)))
}

/// Rules indexed by the address prefixes of one header field.
#[derive(Default)]
struct FieldIndex {
    keyed: std::collections::BTreeMap<(bool, u32, u128), Vec<usize>>,
    /// Rules too wide to index on this field.
    wide: Vec<usize>,
}

impl FieldIndex {
    fn insert(&mut self, i: usize, r: &Option<Vec<(bool, u128, u128)>>) {
        let Some(ranges) = r else {
            self.wide.push(i);
            return;
        };
        for (v6, lo, hi) in ranges {
            match level_of(*v6, *lo, *hi) {
                Some(l) => self
                    .keyed
                    .entry((*v6, l, lo >> (width(*v6) - l)))
                    .or_default()
                    .push(i),
                None => self.wide.push(i),
            }
        }
    }

    /// Adds the rules whose ranges may overlap `r` on this field; false when
    /// `r` is too wide for the index to help.
    fn query(&self, r: &Option<Vec<(bool, u128, u128)>>, out: &mut Vec<usize>) -> bool {
        let Some(ranges) = r else { return false };
        let mut found = self.wide.clone();
        for (v6, lo, hi) in ranges {
            let Some(own) = level_of(*v6, *lo, *hi) else {
                return false;
            };
            let scale = if *v6 { 2 } else { 1 };
            for l in LEVELS.iter().map(|l| l * scale) {
                let shift = width(*v6) - l;
                if l <= own {
                    found.extend(self.keyed.get(&(*v6, l, lo >> shift)).into_iter().flatten());
                } else {
                    for (_, v) in self
                        .keyed
                        .range((*v6, l, lo >> shift)..=(*v6, l, hi >> shift))
                    {
                        found.extend(v);
                    }
                }
            }
        }
        out.extend(found);
        true
    }
}

/// Rules indexed by source and by destination prefixes.
struct Index {
    src: FieldIndex,
    dst: FieldIndex,
}

impl Index {
    fn new(bounds: &[Option<Bounds>]) -> Index {
        let mut ix = Index {
            src: FieldIndex::default(),
            dst: FieldIndex::default(),
        };
        for (i, b) in bounds.iter().enumerate() {
            if let Some(b) = b {
                ix.src.insert(i, &b.src);
                ix.dst.insert(i, &b.dst);
            }
        }
        ix
    }

    /// Rules that may overlap `b` (a superset; each still needs the exact test).
    fn candidates(&self, b: &Bounds, n: usize) -> Vec<usize> {
        let mut v = Vec::new();
        if !self.src.query(&b.src, &mut v) && !self.dst.query(&b.dst, &mut v) {
            v = (0..n).collect();
        }
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// `outer` surely matches every packet `inner` matches (false when unsure).
fn box_contains(outer: &HeaderSpace, inner: &HeaderSpace) -> bool {
    let dir = inner.dirs.iter().all(|d| outer.dirs.contains(d));
    let ifaces = match (&outer.iface, &inner.iface) {
        (None, _) => true,
        (Some(o), Some(i)) => {
            o == i || (!i.contains(['*', '?', '[']) && iface_pattern_matches(o, i))
        }
        _ => false,
    };
    let protos = match (&outer.protos, &inner.protos) {
        (None, _) => true,
        (Some(o), Some(i)) => i.iter().all(|p| o.contains(p)),
        _ => false,
    };
    let addr = |o: &AddrSpace, i: &AddrSpace| match (o, i) {
        (AddrSpace::Any, _) => true,
        (AddrSpace::In(o), AddrSpace::In(i)) => {
            !i.is_empty() && i.iter().all(|n| o.iter().any(|m| m.contains(n)))
        }
        _ => false,
    };
    let ports = |o: &Option<Vec<(u16, u16)>>, i: &Option<Vec<(u16, u16)>>| match (o, i) {
        (None, _) => true,
        (Some(o), Some(i)) => i
            .iter()
            .all(|(lo, hi)| o.iter().any(|(a, b)| a <= lo && hi <= b)),
        _ => false,
    };
    dir && ifaces
        && protos
        && addr(&outer.src, &inner.src)
        && addr(&outer.dst, &inner.dst)
        && ports(&outer.sports, &inner.sports)
        && ports(&outer.dports, &inner.dports)
}

/// A few packets inside `s` (lowest, highest and pseudo-random corners).
fn sample(s: &HeaderSpace) -> Vec<Packet> {
    let pick_addr = |m: &AddrSpace, k: u64| -> std::net::IpAddr {
        match m {
            AddrSpace::In(nets) if !nets.is_empty() => match nets[(k as usize) % nets.len()] {
                ipnet::IpNet::V4(v) => {
                    let lo = u32::from(v.network());
                    let span = u32::from(v.broadcast()) - lo;
                    let off = match k % 3 {
                        0 => 0,
                        1 => span,
                        _ => ((k >> 2) as u32) % span.max(1),
                    };
                    std::net::IpAddr::V4((lo + off).into())
                }
                ipnet::IpNet::V6(v) => {
                    let lo = u128::from(v.network());
                    let off = if k.is_multiple_of(2) {
                        0
                    } else {
                        u128::from(v.broadcast()) - lo
                    };
                    std::net::IpAddr::V6((lo + off).into())
                }
            },
            // Addresses few rules single out.
            _ => {
                let cands = [
                    "203.0.113.77",
                    "0.0.0.1",
                    "255.255.255.254",
                    "198.18.0.9",
                    "2001:db8::77",
                ];
                let first = (k % 5) as usize;
                (0..5)
                    .map(|i| cands[(first + i) % 5].parse().unwrap())
                    .find(|a| m.contains(*a))
                    .unwrap_or_else(|| cands[first].parse().unwrap())
            }
        }
    };
    let pick_port = |r: &Option<Vec<(u16, u16)>>, k: u64| -> u16 {
        match r {
            None => [500u16, 4500, 1, 65535][(k % 4) as usize],
            Some(v) if !v.is_empty() => {
                let (lo, hi) = v[(k as usize) % v.len()];
                if k.is_multiple_of(2) {
                    lo
                } else {
                    hi
                }
            }
            Some(_) => 0,
        }
    };
    let mut out = Vec::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for k in 0..12u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let k = if k < 3 { k } else { x };
        let proto = match &s.protos {
            Some(l) if !l.is_empty() => l[(k as usize) % l.len()],
            _ if s.sports.is_some() || s.dports.is_some() => [6, 17][(k % 2) as usize],
            _ => [50, 17, 6, 4][(k % 4) as usize],
        };
        let dir = match s.dirs.as_slice() {
            [d] => *d,
            _ if k % 2 == 0 => Dir::In,
            _ => Dir::Out,
        };
        let iface = s
            .iface
            .as_ref()
            .map(|i| i.replace(['*', '?', '[', ']'], ""));
        let mut p = Packet::new(
            dir,
            iface.as_deref(),
            proto,
            pick_addr(&s.src, k),
            pick_addr(&s.dst, k.rotate_left(7)),
        );
        p.sport = Some(pick_port(&s.sports, k));
        p.dport = Some(pick_port(&s.dports, k >> 1));
        if s.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Rules that can never decide a packet. Rules whose match cannot be
/// expressed (`space == None`) are never reported, and never counted as
/// covering others.
///
/// For each rule, an index finds the few rules that can overlap it (earlier
/// ones for first match; earlier `quick` and later ones for last match);
/// a BDD over the header bits then decides exactly whether they cover it.
pub fn shadowed_rules(rules: &[RuleInfo], order: MatchOrder) -> Shadowing {
    let enc = Encoder::new(rules);
    let twins = Twins::new(rules);
    let mut work = 0usize;
    let universe = enc.universe();
    let bounds: Vec<Option<Bounds>> = rules
        .iter()
        .map(|r| r.space.as_ref().filter(|_| decides(r)).map(Bounds::of))
        .collect();
    let index = Index::new(&bounds);
    let mut cache: Vec<Option<Bdd>> = vec![None; rules.len()];
    let bdd = |i: usize, cache: &mut Vec<Option<Bdd>>| -> Bdd {
        if cache[i].is_none() {
            cache[i] = rules[i].space.as_ref().map(|s| enc.space(s));
        }
        cache[i].clone().unwrap_or_else(|| enc.vars.mk_false())
    };
    let mut out = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        let Some(b) = &bounds[i] else { continue };
        // A rule written twice: its twin takes all its packets, found in
        // constant time (a file of one rule repeated stays linear).
        if let Some(j) = twins.taker(i, order, r.quick) {
            out.push(Shadowed {
                rule: i,
                by: vec![j],
                same_effect: rules[j].effect == r.effect,
            });
            continue;
        }
        // A rule that matches nothing at all (ports on a protocol without
        // ports) is not shadowed: it is broken, and reported as such.
        if let Some(sp) = &rules[i].space {
            let portless = sp
                .protos
                .as_ref()
                .is_some_and(|p| p.iter().all(|x| *x != 6 && *x != 17 && *x != 132));
            if portless && (sp.sports.is_some() || sp.dports.is_some()) {
                continue;
            }
        }
        // Which rules take packets from this one.
        let takes = |j: usize| match order {
            MatchOrder::FirstMatch => j < i,
            MatchOrder::LastMatch => (j < i && rules[j].quick) || (j > i && !r.quick),
        };
        let raw = index.candidates(b, rules.len());
        work += raw.len();
        if work > MAX_WORK {
            return Shadowing {
                rules: out,
                stopped_at: Some(i),
            };
        }
        let cands: Vec<usize> = raw
            .into_iter()
            .filter(|j| {
                *j != i && takes(*j) && bounds[*j].as_ref().is_some_and(|o| o.may_intersect(b))
            })
            .collect();
        if cands.is_empty() {
            continue;
        }
        // A packet of this rule that no candidate matches proves it live
        // without building any BDD (the common case).
        let space = r.space.as_ref().expect("bounds imply a space");
        if sample(space).iter().any(|p| {
            !cands
                .iter()
                .any(|j| rules[*j].space.as_ref().is_some_and(|o| o.contains(p)))
        }) {
            continue;
        }
        // One earlier rule containing this one outright: no BDD needed.
        if let Some(j) = cands.iter().find(|j| {
            rules[**j]
                .space
                .as_ref()
                .is_some_and(|o| box_contains(o, space))
        }) {
            out.push(Shadowed {
                rule: i,
                by: vec![*j],
                same_effect: rules[*j].effect == r.effect,
            });
            continue;
        }
        let s = bdd(i, &mut cache).and(&universe);
        if s.is_false() {
            continue; // matches nothing at all (e.g. ESP with ports): reported elsewhere
        }
        let mut rest = s.clone();
        let mut by = Vec::new();
        for j in &cands {
            let c = bdd(*j, &mut cache);
            if !c.and(&rest).is_false() {
                by.push(*j);
                rest = rest.and_not(&c);
                if rest.is_false() {
                    break;
                }
            }
        }
        if rest.is_false() {
            let same_effect = by.iter().all(|j| rules[*j].effect == r.effect);
            out.push(Shadowed {
                rule: i,
                by,
                same_effect,
            });
        }
    }
    Shadowing {
        rules: out,
        stopped_at: None,
    }
}

/// How many candidate rules the analysis looks at in all before it stops:
/// wide rules that differ only in a port overlap every other one, and a
/// generated ruleset of 100,000 of them would take minutes.
const MAX_WORK: usize = 20_000_000;

/// What the shadowing analysis found, and where it stopped if the ruleset
/// was too large to finish.
#[derive(Debug, Default)]
pub struct Shadowing {
    pub rules: Vec<Shadowed>,
    /// The first rule not analysed (the work bound was reached).
    pub stopped_at: Option<usize>,
}

/// Rules with the same header space, in file order.
struct Twins<'a> {
    rules: &'a [RuleInfo],
    by_space: HashMap<&'a HeaderSpace, Vec<usize>>,
}

impl<'a> Twins<'a> {
    fn new(rules: &'a [RuleInfo]) -> Self {
        let mut by_space: HashMap<&HeaderSpace, Vec<usize>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            if let Some(s) = r.space.as_ref().filter(|_| decides(r)) {
                by_space.entry(s).or_default().push(i);
            }
        }
        Twins { rules, by_space }
    }

    /// The twin that decides rule `i`'s packets before it: the first
    /// earlier one (first match); the first earlier `quick` one, else the
    /// last later one when `i` is not quick (last match).
    fn taker(&self, i: usize, order: MatchOrder, quick: bool) -> Option<usize> {
        let same = self.by_space.get(self.rules[i].space.as_ref()?)?;
        if same.len() < 2 {
            return None;
        }
        match order {
            MatchOrder::FirstMatch => same.first().copied().filter(|j| *j < i),
            MatchOrder::LastMatch => same
                .iter()
                .copied()
                .find(|j| *j < i && self.rules[*j].quick)
                .or_else(|| same.last().copied().filter(|j| *j > i && !quick)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::firewall::RuleRef;
    use crate::source::{FileId, Span};

    fn rule(i: usize, effect: RuleEffect, quick: bool, space: HeaderSpace) -> RuleInfo {
        RuleInfo {
            rule: RuleRef {
                file: FileId(0),
                span: Span::default(),
                index: i,
            },
            effect,
            quick,
            space: Some(space),
            text: String::new(),
        }
    }

    fn net(s: &str) -> AddrSpace {
        AddrSpace::In(vec![s.parse().unwrap()])
    }

    #[test]
    fn first_match_shadowing_is_exact() {
        let rules = vec![
            rule(
                0,
                RuleEffect::Block,
                false,
                HeaderSpace {
                    src: net("10.0.0.0/8"),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                1,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("10.1.0.0/16"),
                    protos: Some(vec![50]),
                    ..HeaderSpace::any()
                },
            ),
            // Two halves together cover 192.168.0.0/16: exact, not pairwise.
            rule(
                2,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("192.168.0.0/17"),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                3,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("192.168.128.0/17"),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                4,
                RuleEffect::Block,
                false,
                HeaderSpace {
                    src: net("192.168.0.0/16"),
                    dports: Some(vec![(500, 500)]),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                5,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("172.16.0.0/12"),
                    ..HeaderSpace::any()
                },
            ),
        ];
        let s = shadowed_rules(&rules, MatchOrder::FirstMatch).rules;
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].rule, 1);
        assert_eq!(s[0].by, vec![0]);
        assert!(!s[0].same_effect);
        assert_eq!(s[1].rule, 4);
        assert_eq!(s[1].by, vec![2, 3]);
    }

    #[test]
    fn last_match_and_quick() {
        let rules = vec![
            rule(
                0,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    protos: Some(vec![50]),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                1,
                RuleEffect::Block,
                true,
                HeaderSpace {
                    src: net("10.0.0.0/8"),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                2,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("10.2.0.0/16"),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                3,
                RuleEffect::Block,
                false,
                HeaderSpace {
                    dirs: vec![Dir::In],
                    ..HeaderSpace::any()
                },
            ),
        ];
        let s = shadowed_rules(&rules, MatchOrder::LastMatch).rules;
        let dead: Vec<usize> = s.iter().map(|x| x.rule).collect();
        // Rule 2 is taken by the earlier quick rule; rule 0 survives for outbound packets.
        assert_eq!(dead, vec![2]);
        assert_eq!(s[0].by, vec![1]);
    }

    #[test]
    fn negation_and_interfaces() {
        let rules = vec![
            rule(
                0,
                RuleEffect::Block,
                false,
                HeaderSpace {
                    iface: Some("em0".into()),
                    src: AddrSpace::NotIn(vec!["10.0.0.0/8".parse().unwrap()]),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                1,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    iface: Some("em0".into()),
                    src: net("192.0.2.0/24"),
                    ..HeaderSpace::any()
                },
            ),
            rule(
                2,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    iface: Some("em1".into()),
                    src: net("192.0.2.0/24"),
                    ..HeaderSpace::any()
                },
            ),
        ];
        let s = shadowed_rules(&rules, MatchOrder::FirstMatch).rules;
        assert_eq!(s.iter().map(|x| x.rule).collect::<Vec<_>>(), vec![1]);
    }
}
