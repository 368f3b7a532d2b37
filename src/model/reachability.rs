//! Which firewall rules can never match: an exact analysis on header space,
//! in the style of Batfish's filterLineReachability.
//!
//! Every rule's match is encoded as a BDD over the header bits (direction,
//! interface, protocol, address family, source and destination address,
//! ports). One pass over the ruleset keeps the set of packets still
//! undecided, so the work is linear in the number of rules (plus, for each
//! dead rule only, finding the rules that cover it).

use crate::model::firewall::{AddrMatch, Dir, HeaderSpace, MatchOrder, RuleEffect, RuleInfo};
use biodivine_lib_bdd::{Bdd, BddVariable, BddVariableSet};
use std::collections::BTreeSet;

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
            if let Some(HeaderSpace {
                ifaces: Some(l), ..
            }) = &r.space
            {
                for n in l {
                    names.insert(n.trim_end_matches('*').to_string());
                }
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

    fn addr(&self, fam: BddVariable, bits: &[BddVariable], m: &AddrMatch) -> Bdd {
        if m.nets.is_empty() {
            return if m.negated {
                self.vars.mk_false()
            } else {
                self.vars.mk_true()
            };
        }
        let mut any = self.vars.mk_false();
        for n in &m.nets {
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
        if m.negated {
            // Negation within the well-formed address space.
            let v4_any = self
                .vars
                .mk_literal(fam, false)
                .and(&self.prefix(&bits[32..], 0, 96, 96));
            let v6_any = self.vars.mk_literal(fam, true);
            v4_any.or(&v6_any).and_not(&any)
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
        if let Some(d) = s.dir {
            b = b.and(&self.vars.mk_literal(self.dir, d == Dir::Out));
        }
        if let Some(list) = &s.ifaces {
            let mut any = self.vars.mk_false();
            for n in list {
                let (stem, wild) = match n.strip_suffix('*') {
                    Some(p) => (p, true),
                    None => (n.as_str(), false),
                };
                for (i, name) in self.iface_names.iter().enumerate() {
                    if name == stem || (wild && name.starts_with(stem)) {
                        any = any.or(&self.iface_value(i));
                    }
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
        let any = AddrMatch::default();
        ifs.and(&self.addr_any_wellformed(self.src_fam, &self.src, &any))
            .and(&self.addr_any_wellformed(self.dst_fam, &self.dst, &any))
    }

    fn addr_any_wellformed(&self, fam: BddVariable, bits: &[BddVariable], _m: &AddrMatch) -> Bdd {
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

/// Rules that can never decide a packet. Rules whose match cannot be
/// expressed (`space == None`) are never reported, and never counted as
/// covering others.
pub fn shadowed_rules(rules: &[RuleInfo], order: MatchOrder) -> Vec<Shadowed> {
    let enc = Encoder::new(rules);
    let spaces: Vec<Option<Bdd>> = rules
        .iter()
        .map(|r| r.space.as_ref().map(|s| enc.space(s)))
        .collect();
    let universe = enc.universe();
    let mut out = Vec::new();
    match order {
        MatchOrder::FirstMatch => {
            let mut remaining = universe.clone();
            for (i, r) in rules.iter().enumerate() {
                let Some(s) = &spaces[i] else { continue };
                if !decides(r) {
                    continue;
                }
                let live = s.and(&remaining);
                if live.is_false() && !s.and(&universe).is_false() {
                    let by: Vec<usize> = (0..i)
                        .filter(|j| {
                            decides(&rules[*j])
                                && spaces[*j].as_ref().is_some_and(|b| !b.and(s).is_false())
                        })
                        .collect();
                    let same_effect = by.iter().all(|j| rules[*j].effect == r.effect);
                    out.push(Shadowed {
                        rule: i,
                        by,
                        same_effect,
                    });
                }
                remaining = remaining.and_not(s);
            }
        }
        MatchOrder::LastMatch => {
            // Packets not yet taken by an earlier quick rule.
            let mut before = Vec::with_capacity(rules.len());
            let mut remaining = universe.clone();
            for (i, r) in rules.iter().enumerate() {
                before.push(remaining.clone());
                if let (Some(s), true) = (&spaces[i], r.quick && decides(r)) {
                    remaining = remaining.and_not(s);
                }
            }
            // Packets some later deciding rule matches (it overrides).
            let mut after = vec![enc.vars.mk_false(); rules.len()];
            let mut acc = enc.vars.mk_false();
            for i in (0..rules.len()).rev() {
                after[i] = acc.clone();
                if let (Some(s), true) = (&spaces[i], decides(&rules[i])) {
                    acc = acc.or(s);
                }
            }
            for (i, r) in rules.iter().enumerate() {
                let Some(s) = &spaces[i] else { continue };
                if !decides(r) {
                    continue;
                }
                // A quick rule decides where it matches; others can be overridden later.
                let live = if r.quick {
                    s.and(&before[i])
                } else {
                    s.and(&before[i]).and_not(&after[i])
                };
                if live.is_false() && !s.and(&universe).is_false() {
                    // Taken entirely by earlier quick rules, or also overridden later.
                    let taken_early = s.and(&before[i]).is_false();
                    let by: Vec<usize> = (0..rules.len())
                        .filter(|j| {
                            *j != i
                                && decides(&rules[*j])
                                && (*j > i && !r.quick && !taken_early || *j < i && rules[*j].quick)
                        })
                        .filter(|j| spaces[*j].as_ref().is_some_and(|b| !b.and(s).is_false()))
                        .collect();
                    let same_effect = by.iter().all(|j| rules[*j].effect == r.effect);
                    out.push(Shadowed {
                        rule: i,
                        by,
                        same_effect,
                    });
                }
            }
        }
    }
    out
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

    fn net(s: &str) -> AddrMatch {
        AddrMatch {
            nets: vec![s.parse().unwrap()],
            negated: false,
        }
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
                    ..Default::default()
                },
            ),
            rule(
                1,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("10.1.0.0/16"),
                    protos: Some(vec![50]),
                    ..Default::default()
                },
            ),
            // Two halves together cover 192.168.0.0/16: exact, not pairwise.
            rule(
                2,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("192.168.0.0/17"),
                    ..Default::default()
                },
            ),
            rule(
                3,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("192.168.128.0/17"),
                    ..Default::default()
                },
            ),
            rule(
                4,
                RuleEffect::Block,
                false,
                HeaderSpace {
                    src: net("192.168.0.0/16"),
                    dports: Some(vec![(500, 500)]),
                    ..Default::default()
                },
            ),
            rule(
                5,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("172.16.0.0/12"),
                    ..Default::default()
                },
            ),
        ];
        let s = shadowed_rules(&rules, MatchOrder::FirstMatch);
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
                    ..Default::default()
                },
            ),
            rule(
                1,
                RuleEffect::Block,
                true,
                HeaderSpace {
                    src: net("10.0.0.0/8"),
                    ..Default::default()
                },
            ),
            rule(
                2,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    src: net("10.2.0.0/16"),
                    ..Default::default()
                },
            ),
            rule(
                3,
                RuleEffect::Block,
                false,
                HeaderSpace {
                    dir: Some(Dir::In),
                    ..Default::default()
                },
            ),
        ];
        let s = shadowed_rules(&rules, MatchOrder::LastMatch);
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
                    ifaces: Some(vec!["em0".into()]),
                    src: AddrMatch {
                        nets: vec!["10.0.0.0/8".parse().unwrap()],
                        negated: true,
                    },
                    ..Default::default()
                },
            ),
            rule(
                1,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    ifaces: Some(vec!["em0".into()]),
                    src: net("192.0.2.0/24"),
                    ..Default::default()
                },
            ),
            rule(
                2,
                RuleEffect::Pass,
                false,
                HeaderSpace {
                    ifaces: Some(vec!["em1".into()]),
                    src: net("192.0.2.0/24"),
                    ..Default::default()
                },
            ),
        ];
        let s = shadowed_rules(&rules, MatchOrder::FirstMatch);
        assert_eq!(s.iter().map(|x| x.rule).collect::<Vec<_>>(), vec![1]);
    }
}
