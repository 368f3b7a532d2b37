//! ipfw evaluation: which rule decides a packet, with ipfw's semantics (see
//! ../shared/facts/ipfw-grammar.md §3–5).
//!
//! * Rules are tried in rule-number order (ties: the order they were added);
//!   the first matching rule with a terminating action decides. `count`,
//!   `skipto`, `call`/`return`, `tee`, `setfib`, `divert` (natd hands the
//!   packet back at the next rule) go on.
//! * The default rule 65535 denies unless [`IpfwEnv::default_accept`].
//! * `keep-state`/`limit` install a dynamic rule (protocol, addresses, ports,
//!   both directions, any interface); the first `check-state` or
//!   `keep-state` rule a packet reaches looks dynamic rules up and, on a hit,
//!   runs the parent rule's action. [`Evaluator`] keeps them across packets.
//! * A pattern whose value the [`Packet`] or the [`IpfwEnv`] does not give
//!   (uid, antispoof, a table whose contents are unknown, ...) is assumed not
//!   to match; [`Evaluator::trace`] lists every such assumption.

use crate::model::firewall::{
    iface_pattern_matches, proto, tcp_flags, AddrSpace, Decision, Dir, HeaderSpace, Packet,
    RuleRef, Verdict,
};
use crate::syntax::ipfw::{
    Action, Addr, AddrItem, AddrMatch, CommandKind, Iface, IpfwCommand, IpfwRule, OptKind,
    PortMatch, Proto, TableOp, Target,
};
use ipnet::IpNet;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// The default rule's number.
pub const DEFAULT_RULE: u32 = 65535;
/// `net.inet.ip.fw.autoinc_step` default.
pub const AUTOINC_STEP: u32 = 100;

/// What the kernel and the host bring to the evaluation.
#[derive(Clone, Debug)]
pub struct IpfwEnv {
    /// The host's own addresses (`me` matches IPv4 and IPv6 ones, `me6` IPv6 ones).
    pub local: Vec<IpAddr>,
    /// Addresses per interface (for `via 192.0.2.1`).
    pub iface_addrs: HashMap<String, Vec<IpAddr>>,
    /// Lookup tables by name (`"13"` for `table(13)`): networks and values.
    /// A table that is not here has unknown contents.
    pub tables: HashMap<String, Vec<(IpNet, Option<u32>)>>,
    /// `options IPFIREWALL_DEFAULT_TO_ACCEPT` / `net.inet.ip.fw.default_to_accept=1`.
    pub default_accept: bool,
    /// The kernel has IPsec: the `ipsec` option can match.
    pub kernel_ipsec: bool,
    /// `net.inet.ip.fw.one_pass` (default 1): a packet leaving `nat`, `pipe`
    /// or `queue` is accepted; with 0 it goes on at the next rule.
    pub one_pass: bool,
}

impl Default for IpfwEnv {
    fn default() -> Self {
        IpfwEnv {
            local: Vec::new(),
            iface_addrs: HashMap::new(),
            tables: HashMap::new(),
            default_accept: false,
            kernel_ipsec: false,
            one_pass: true,
        }
    }
}

impl IpfwEnv {
    /// Apply the `table` commands of a ruleset, in order (add, delete, flush).
    pub fn load_tables<'a>(&mut self, commands: impl IntoIterator<Item = &'a IpfwCommand>) {
        for c in commands {
            let CommandKind::Table(t) = &c.kind else {
                continue;
            };
            let name = t.table.value.clone();
            match &t.op {
                TableOp::Add(entries) => {
                    let tab = self.tables.entry(name).or_default();
                    for e in entries {
                        if let Some(net) = e.net {
                            tab.push((net, e.value));
                        }
                    }
                }
                TableOp::Delete(keys) => {
                    if let Some(tab) = self.tables.get_mut(&name) {
                        for k in keys {
                            let net = k
                                .value
                                .parse::<IpNet>()
                                .ok()
                                .or_else(|| k.value.parse::<IpAddr>().ok().map(IpNet::from));
                            tab.retain(|(n, _)| Some(*n) != net);
                        }
                    }
                }
                TableOp::Flush => {
                    self.tables.insert(name, Vec::new());
                }
                TableOp::Other(args) => {
                    // `table T create` makes an empty table; `destroy` drops it.
                    match args.first().map(|a| a.value.as_str()) {
                        Some("create") => {
                            self.tables.entry(name).or_default();
                        }
                        Some("destroy") => {
                            self.tables.remove(&name);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// The rules a sequence of commands leaves in the kernel, numbered.
#[derive(Clone, Debug, Default)]
pub struct Ruleset {
    /// Rules in the order they were added, each with its number filled in.
    pub rules: Vec<IpfwRule>,
    /// Tables filled by `table` commands (as [`IpfwEnv::tables`]).
    pub tables: HashMap<String, Vec<(IpNet, Option<u32>)>>,
}

/// Run `flush`, `delete`, `add` and `table` commands in order. Rules without
/// a number get the highest number so far plus [`AUTOINC_STEP`] (or the
/// highest number itself when that would reach the default rule).
pub fn load<'a>(commands: impl IntoIterator<Item = &'a IpfwCommand>) -> Ruleset {
    let mut rules: Vec<IpfwRule> = Vec::new();
    let mut env = IpfwEnv::default();
    for c in commands {
        match &c.kind {
            CommandKind::Add(r) => {
                let mut r = (**r).clone();
                if r.number.is_none() {
                    let max = rules.iter().filter_map(|x| x.number).max().unwrap_or(0);
                    let next = max + AUTOINC_STEP;
                    r.number = Some(if next >= DEFAULT_RULE { max } else { next });
                }
                rules.push(r);
            }
            CommandKind::Flush { set } => match set {
                None => rules.retain(|r| r.set == Some(31)),
                Some(s) => rules.retain(|r| r.set.unwrap_or(0) != *s),
            },
            CommandKind::Delete { set, targets } => {
                for t in targets {
                    let (a, b) = t.value;
                    if *set {
                        rules.retain(|r| !(a..=b).contains(&r.set.unwrap_or(0)));
                    } else {
                        rules.retain(|r| !r.number.is_some_and(|n| (a..=b).contains(&n)));
                    }
                }
            }
            CommandKind::Table(_) => env.load_tables(std::iter::once(c)),
            _ => {}
        }
    }
    Ruleset {
        rules,
        tables: env.tables,
    }
}

/// Rule numbers as the kernel assigns them when the rules are added in
/// this order (written numbers kept, missing ones auto-incremented).
pub fn effective_numbers(rules: &[IpfwRule]) -> Vec<u32> {
    let mut max = 0;
    rules
        .iter()
        .map(|r| {
            let n = r.number.unwrap_or_else(|| {
                let next = max + AUTOINC_STEP;
                if next >= DEFAULT_RULE {
                    max
                } else {
                    next
                }
            });
            max = max.max(n);
            n
        })
        .collect()
}

/// A dynamic rule made by `keep-state`/`limit`/`record-state`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynState {
    pub proto: u8,
    pub a: (IpAddr, Option<u16>),
    pub b: (IpAddr, Option<u16>),
    /// Index of the rule that made it.
    pub rule: usize,
}

impl DynState {
    fn admits(&self, pkt: &Packet) -> bool {
        let s = (pkt.src, pkt.sport);
        let d = (pkt.dst, pkt.dport);
        self.proto == pkt.proto && ((self.a == s && self.b == d) || (self.a == d && self.b == s))
    }
}

/// A pattern ipseclint could not evaluate for a packet and took as "no match".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assumption {
    pub rule: RuleRef,
    pub why: String,
}

/// A decision with the assumptions it rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    pub decision: Decision,
    pub assumed: Vec<Assumption>,
}

/// Evaluate one packet against a ruleset with no dynamic rules.
pub fn evaluate(rules: &[IpfwRule], env: &IpfwEnv, pkt: &Packet) -> Decision {
    Evaluator::new(rules, env).eval(pkt)
}

/// Evaluates packets one after the other, keeping the dynamic rules the
/// earlier ones created (so an outbound packet's state admits its reply).
pub struct Evaluator<'a> {
    rules: &'a [IpfwRule],
    env: &'a IpfwEnv,
    numbers: Vec<u32>,
    /// Rule indices in evaluation order.
    order: Vec<usize>,
    states: Vec<DynState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum M {
    Yes,
    No,
    Unknown,
}

impl M {
    fn of(b: bool) -> M {
        if b {
            M::Yes
        } else {
            M::No
        }
    }
    fn not(self) -> M {
        match self {
            M::Yes => M::No,
            M::No => M::Yes,
            M::Unknown => M::Unknown,
        }
    }
    fn and(self, o: M) -> M {
        match (self, o) {
            (M::No, _) | (_, M::No) => M::No,
            (M::Yes, M::Yes) => M::Yes,
            _ => M::Unknown,
        }
    }
    fn or(self, o: M) -> M {
        match (self, o) {
            (M::Yes, _) | (_, M::Yes) => M::Yes,
            (M::No, M::No) => M::No,
            _ => M::Unknown,
        }
    }
}

/// Per-packet state of one pass through the rules.
struct Pass {
    tags: HashSet<u32>,
    fib: u32,
    diverted: bool,
    why: Option<String>,
}

impl Pass {
    fn unknown(&mut self, why: impl Into<String>) -> M {
        if self.why.is_none() {
            self.why = Some(why.into());
        }
        M::Unknown
    }
}

fn is_port_proto(p: u8) -> bool {
    matches!(p, proto::TCP | proto::UDP | 132)
}

impl<'a> Evaluator<'a> {
    pub fn new(rules: &'a [IpfwRule], env: &'a IpfwEnv) -> Self {
        let numbers = effective_numbers(rules);
        let mut order: Vec<usize> = (0..rules.len()).collect();
        order.sort_by_key(|&i| numbers[i]);
        Evaluator {
            rules,
            env,
            numbers,
            order,
            states: Vec::new(),
        }
    }

    /// The dynamic rules so far.
    pub fn states(&self) -> &[DynState] {
        &self.states
    }

    /// Forget the dynamic rules (they expire).
    pub fn clear_states(&mut self) {
        self.states.clear();
    }

    pub fn eval(&mut self, pkt: &Packet) -> Decision {
        self.trace(pkt).decision
    }

    fn rref(&self, i: usize) -> RuleRef {
        let r = &self.rules[i];
        RuleRef {
            file: r.file,
            span: r.span,
            index: i,
        }
    }

    /// Position in `order` of the first rule after `from` numbered at least `n`.
    fn jump(&self, from: usize, n: u32) -> usize {
        (from + 1..self.order.len())
            .find(|&p| self.numbers[self.order[p]] >= n)
            .unwrap_or(self.order.len())
    }

    fn pos_of(&self, rule: usize) -> usize {
        self.order.iter().position(|&i| i == rule).unwrap_or(0)
    }

    /// Evaluate, listing the patterns assumed not to match on the way.
    pub fn trace(&mut self, pkt: &Packet) -> Trace {
        let mut consulted = Vec::new();
        let mut assumed = Vec::new();
        let mut pass = Pass {
            tags: HashSet::new(),
            fib: 0,
            diverted: false,
            why: None,
        };
        let mut stack: Vec<usize> = Vec::new();
        let mut state_checked = false;
        let mut pos = 0;
        let mut steps = 0;
        let decided =
            |verdict: Verdict, rule: RuleRef, consulted: Vec<RuleRef>, by_state: bool| Decision {
                verdict,
                rule: Some(rule),
                consulted,
                by_state,
            };
        while pos < self.order.len() && steps < 100_000 {
            steps += 1;
            let i = self.order[pos];
            let r = &self.rules[i];
            let check = matches!(r.action.value, Action::CheckState(_))
                || (r.keeps_state() && !r.records_state_only());
            if check && !state_checked {
                state_checked = true;
                if let Some(st) = self.states.iter().find(|s| s.admits(pkt)) {
                    let parent = st.rule;
                    let ppos = self.pos_of(parent);
                    match self.act(parent, ppos, pkt, &mut pass, &mut stack) {
                        Step::Decide(v) => {
                            return Trace {
                                decision: decided(v, self.rref(parent), consulted, true),
                                assumed,
                            }
                        }
                        Step::Goto(p) => {
                            consulted.push(self.rref(parent));
                            pos = p;
                            continue;
                        }
                        Step::Unknown(why) => {
                            assumed.push(Assumption {
                                rule: self.rref(parent),
                                why,
                            });
                            pos = ppos + 1;
                            continue;
                        }
                    }
                }
            }
            if matches!(r.action.value, Action::CheckState(_)) {
                pos += 1;
                continue;
            }
            pass.why = None;
            match self.matches(r, pkt, &mut pass) {
                M::No => {
                    pos += 1;
                    continue;
                }
                M::Unknown => {
                    assumed.push(Assumption {
                        rule: self.rref(i),
                        why: pass.why.take().unwrap_or_else(|| "unknown pattern".into()),
                    });
                    pos += 1;
                    continue;
                }
                M::Yes => {}
            }
            if r.keeps_state() {
                let st = DynState {
                    proto: pkt.proto,
                    a: (pkt.src, pkt.sport),
                    b: (pkt.dst, pkt.dport),
                    rule: i,
                };
                if !self.states.iter().any(|s| s.admits(pkt)) {
                    self.states.push(st);
                }
            }
            if let Some(t) = &r.tag {
                if t.value.untag {
                    pass.tags.remove(&t.value.value);
                } else {
                    pass.tags.insert(t.value.value);
                }
            }
            match self.act(i, pos, pkt, &mut pass, &mut stack) {
                Step::Decide(v) => {
                    return Trace {
                        decision: decided(v, self.rref(i), consulted, false),
                        assumed,
                    }
                }
                Step::Goto(p) => {
                    consulted.push(self.rref(i));
                    pos = p;
                }
                Step::Unknown(why) => {
                    assumed.push(Assumption {
                        rule: self.rref(i),
                        why,
                    });
                    pos += 1;
                }
            }
        }
        let verdict = if self.env.default_accept {
            Verdict::Pass
        } else {
            Verdict::Block
        };
        Trace {
            decision: Decision {
                verdict,
                rule: None,
                consulted,
                by_state: false,
            },
            assumed,
        }
    }

    /// Run rule `i`'s action (the rule is at `pos` in the order).
    fn act(
        &self,
        i: usize,
        pos: usize,
        _pkt: &Packet,
        pass: &mut Pass,
        stack: &mut Vec<usize>,
    ) -> Step {
        let r = &self.rules[i];
        let next = Step::Goto(pos + 1);
        match &r.action.value {
            Action::Allow | Action::Fwd(_) => Step::Decide(Verdict::Pass),
            Action::Deny
            | Action::Reject
            | Action::Unreach(_)
            | Action::Unreach6(_)
            | Action::Reset
            | Action::Reset6
            | Action::Abort
            | Action::Abort6 => Step::Decide(Verdict::Block),
            Action::Count
            | Action::Comment
            | Action::Setdscp(_)
            | Action::Reass
            | Action::CheckState(_)
            | Action::Tee(_)
            | Action::Ngtee(_) => next,
            Action::Setfib(t) => {
                if let Target::Number(n) = t {
                    pass.fib = *n;
                }
                next
            }
            Action::Skipto(t) => match t {
                Target::Number(n) => Step::Goto(self.jump(pos, *n)),
                _ => Step::Unknown("skipto tablearg: the target comes from a table".into()),
            },
            Action::Call(t) => match t {
                Target::Number(n) => {
                    stack.push(pos);
                    Step::Goto(self.jump(pos, *n))
                }
                _ => Step::Unknown("call tablearg: the target comes from a table".into()),
            },
            Action::Return => match stack.pop() {
                Some(caller) => {
                    let n = self.numbers[self.order[caller]];
                    Step::Goto(self.jump(caller, n + 1))
                }
                None => next,
            },
            Action::Divert(_) => {
                // natd hands the packet back at the next rule; its
                // translation is not modelled.
                pass.diverted = true;
                next
            }
            Action::Nat(_) | Action::Pipe(_) | Action::Queue(_) | Action::Netgraph(_) => {
                if self.env.one_pass {
                    Step::Decide(Verdict::Pass)
                } else {
                    next
                }
            }
            Action::Other { keyword, .. } => {
                Step::Unknown(format!("the action `{keyword}` is not modelled"))
            }
        }
    }

    fn matches(&self, r: &IpfwRule, pkt: &Packet, pass: &mut Pass) -> M {
        if r.prob.is_some() {
            return pass.unknown("`prob`: the rule matches at random");
        }
        let mut m = M::Yes;
        if !r.proto.is_empty() {
            let mut any = M::No;
            for a in &r.proto {
                let x = proto_matches(a.proto, pkt);
                any = any.or(if a.negated { x.not() } else { x });
            }
            m = m.and(any);
        }
        if m == M::No {
            return m;
        }
        m = m.and(self.addr_match(&r.src, pkt.src, pass));
        if let Some(p) = &r.sports {
            m = m.and(port_match(p, pkt.sport, pkt, pass));
        }
        m = m.and(self.addr_match(&r.dst, pkt.dst, pass));
        if let Some(p) = &r.dports {
            m = m.and(port_match(p, pkt.dport, pkt, pass));
        }
        for g in &r.options {
            if m == M::No {
                return m;
            }
            let mut any = M::No;
            for o in &g.alts {
                let x = self.opt_match(&o.kind, pkt, pass);
                any = any.or(if o.negated { x.not() } else { x });
            }
            m = m.and(any);
        }
        m
    }

    fn addr_match(&self, am: &AddrMatch, ip: IpAddr, pass: &mut Pass) -> M {
        if am.alts.is_empty() {
            return M::Yes;
        }
        let mut any = M::No;
        for a in &am.alts {
            let x = self.addr(&a.addr, ip, pass);
            any = any.or(if a.negated { x.not() } else { x });
        }
        any
    }

    fn addr(&self, a: &Addr, ip: IpAddr, pass: &mut Pass) -> M {
        match a {
            Addr::Any => M::Yes,
            Addr::Me => M::of(self.env.local.contains(&ip)),
            Addr::Me6 => M::of(ip.is_ipv6() && self.env.local.contains(&ip)),
            Addr::Table { name, value } => {
                match self.env.tables.get(name) {
                    Some(entries) => M::of(entries.iter().any(|(n, v)| {
                        n.contains(&ip) && value.is_none_or(|want| *v == Some(want))
                    })),
                    None => pass.unknown(format!("the contents of table {name} are not known")),
                }
            }
            Addr::List(items) => {
                let mut any = M::No;
                for it in items {
                    let x = match it {
                        AddrItem::Net(n) => M::of(n.contains(&ip)),
                        AddrItem::Masked { addr, mask } => match ip {
                            IpAddr::V4(v4) => {
                                M::of(u32::from(v4) & u32::from(*mask) == u32::from(*addr))
                            }
                            IpAddr::V6(_) => M::No,
                        },
                        AddrItem::Host(h) => {
                            pass.unknown(format!("`{h}` is resolved when the rule is added"))
                        }
                    };
                    any = any.or(x);
                }
                any
            }
        }
    }

    fn iface(&self, spec: &Iface, name: Option<&str>, pass: &mut Pass) -> M {
        let Some(name) = name else {
            return M::No;
        };
        match spec {
            Iface::Any => M::Yes,
            Iface::Name(p) => M::of(iface_pattern_matches(p, name)),
            Iface::Addr(a) => match self.env.iface_addrs.get(name) {
                Some(addrs) => M::of(addrs.contains(a)),
                None if self.env.iface_addrs.is_empty() => {
                    pass.unknown(format!("which interface holds {a} is not known"))
                }
                None => M::No,
            },
            Iface::Table(t) => pass.unknown(format!("interface table {t} is not known")),
        }
    }

    fn opt_match(&self, k: &OptKind, pkt: &Packet, pass: &mut Pass) -> M {
        let tcp = pkt.proto == proto::TCP && pkt.is_first_fragment();
        match k {
            OptKind::In => M::of(pkt.dir == Dir::In),
            OptKind::Out => M::of(pkt.dir == Dir::Out),
            // via: the transmit interface on output, the receive one on input.
            OptKind::Via(i) => self.iface(i, pkt.iface.as_deref(), pass),
            OptKind::Recv(i) => match pkt.dir {
                Dir::In => self.iface(i, pkt.iface.as_deref(), pass),
                Dir::Out => pass.unknown(
                    "`recv` on an outgoing packet: the interface it came in on is not known",
                ),
            },
            OptKind::Xmit(i) => match pkt.dir {
                Dir::Out => self.iface(i, pkt.iface.as_deref(), pass),
                Dir::In => M::No,
            },
            OptKind::KeepState { .. } | OptKind::RecordState { .. } | OptKind::Limit { .. } => {
                M::Yes
            }
            OptKind::Established => {
                M::of(tcp && pkt.tcp_flags & (tcp_flags::RST | tcp_flags::ACK) != 0)
            }
            OptKind::Setup => M::of(
                tcp && pkt.tcp_flags & tcp_flags::SYN != 0 && pkt.tcp_flags & tcp_flags::ACK == 0,
            ),
            OptKind::TcpFlags { set, clear } => {
                M::of(tcp && pkt.tcp_flags & set == *set && pkt.tcp_flags & clear == 0)
            }
            OptKind::Frag(None) => M::of(pkt.frag_offset != 0),
            OptKind::Frag(Some(spec)) => {
                let mut m = M::Yes;
                for bit in spec.split(',') {
                    let (neg, b) = match bit.strip_prefix('!') {
                        Some(b) => (true, b),
                        None => (false, bit),
                    };
                    let x = match b {
                        "mf" => M::of(pkt.more_frags),
                        "offset" => M::of(pkt.frag_offset != 0),
                        _ => pass.unknown(format!(
                            "the `{b}` fragment flag is not in the packet model"
                        )),
                    };
                    m = m.and(if neg { x.not() } else { x });
                }
                m
            }
            OptKind::Ipsec => M::of(self.env.kernel_ipsec && pkt.ipsec_done),
            OptKind::IcmpTypes(v) => M::of(
                pkt.proto == proto::ICMP
                    && pkt.is_first_fragment()
                    && pkt.icmp.is_some_and(|(t, _)| v.contains(&t)),
            ),
            OptKind::Icmp6Types(v) => M::of(
                pkt.proto == proto::ICMP6
                    && pkt.is_first_fragment()
                    && pkt.icmp.is_some_and(|(t, _)| v.contains(&t)),
            ),
            OptKind::Ip4 => M::of(pkt.src.is_ipv4()),
            OptKind::Ip6 => M::of(pkt.src.is_ipv6()),
            OptKind::IpVersion(v) => M::of(if pkt.src.is_ipv4() { *v == 4 } else { *v == 6 }),
            OptKind::Proto(p) => proto_matches(*p, pkt),
            OptKind::SrcIp(a) => self.addr(a, pkt.src, pass),
            OptKind::DstIp(a) => self.addr(a, pkt.dst, pass),
            OptKind::SrcPort(p) => port_match(p, pkt.sport, pkt, pass),
            OptKind::DstPort(p) => port_match(p, pkt.dport, pkt, pass),
            OptKind::IpTtl(r) => M::of(
                r.iter()
                    .any(|(a, b)| *a <= pkt.ttl as u32 && pkt.ttl as u32 <= *b),
            ),
            OptKind::Tagged(r) => M::of(
                pass.tags
                    .iter()
                    .any(|t| r.iter().any(|(a, b)| a <= t && t <= b)),
            ),
            OptKind::Fib(n) => M::of(pass.fib == *n),
            OptKind::Diverted => M::of(pass.diverted),
            // Rules are evaluated at the IP layer, not at layer 2.
            OptKind::Layer2 => M::No,
            OptKind::Other { keyword, known, .. } => {
                if matches!(
                    keyword.as_str(),
                    "mac" | "MAC" | "mac-type" | "src-mac" | "dst-mac"
                ) {
                    // MAC patterns only match on layer-2 passes.
                    return M::No;
                }
                if *known {
                    pass.unknown(format!("`{keyword}` is not evaluated by ipseclint"))
                } else {
                    pass.unknown(format!("`{keyword}` is not an option ipseclint knows"))
                }
            }
        }
    }
}

enum Step {
    Decide(Verdict),
    /// Go on at this position.
    Goto(usize),
    /// The action cannot be modelled: go on at the next rule.
    Unknown(String),
}

fn proto_matches(p: Proto, pkt: &Packet) -> M {
    M::of(match p {
        Proto::Any => true,
        Proto::Ip4 => pkt.src.is_ipv4(),
        Proto::Ip6 => pkt.src.is_ipv6(),
        Proto::Number(n) => pkt.proto == n,
    })
}

/// A port test: only TCP, UDP and SCTP first fragments have ports; for any
/// other packet the test fails (and `not` of it succeeds).
fn port_match(p: &PortMatch, port: Option<u16>, pkt: &Packet, pass: &mut Pass) -> M {
    let base = if !is_port_proto(pkt.proto) || !pkt.is_first_fragment() {
        M::No
    } else {
        match port {
            None => M::No,
            Some(x) => {
                if p.ranges.iter().any(|(a, b)| *a <= x && x <= *b) {
                    M::Yes
                } else if !p.unresolved.is_empty() {
                    pass.unknown(format!(
                        "the port of service `{}` is not known",
                        p.unresolved[0]
                    ))
                } else {
                    M::No
                }
            }
        }
    };
    if p.negated {
        base.not()
    } else {
        base
    }
}

// ---------------------------------------------------------------------------
// Header spaces
// ---------------------------------------------------------------------------

impl IpfwRule {
    /// The packets this rule matches, as header fields, when that needs no
    /// environment (no `me`, no tables) and no per-packet state (no
    /// keep-state, flags, fragments, uid, ...). `None` otherwise.
    pub fn match_space(&self) -> Option<HeaderSpace> {
        space(self, None)
    }

    /// As [`IpfwRule::match_space`], with `me` and tables taken from `env`.
    pub fn match_space_in(&self, env: &IpfwEnv) -> Option<HeaderSpace> {
        space(self, Some(env))
    }
}

fn port_space(p: &PortMatch) -> Option<Vec<(u16, u16)>> {
    // `not PORTS` also matches packets without ports (other protocols,
    // later fragments): not a port range.
    if !p.unresolved.is_empty() || p.negated {
        return None;
    }
    Some(p.ranges.clone())
}

fn addr_nets(a: &Addr, env: Option<&IpfwEnv>) -> Option<Vec<IpNet>> {
    match a {
        Addr::Any => Some(vec![
            "0.0.0.0/0".parse().expect("net"),
            "::/0".parse().expect("net"),
        ]),
        Addr::Me => Some(env?.local.iter().map(|ip| IpNet::from(*ip)).collect()),
        Addr::Me6 => Some(
            env?.local
                .iter()
                .filter(|ip| ip.is_ipv6())
                .map(|ip| IpNet::from(*ip))
                .collect(),
        ),
        Addr::Table { name, value } => Some(
            env?.tables
                .get(name)?
                .iter()
                .filter(|(_, v)| value.is_none_or(|want| *v == Some(want)))
                .map(|(n, _)| *n)
                .collect(),
        ),
        Addr::List(items) => items
            .iter()
            .map(|i| match i {
                AddrItem::Net(n) => Some(*n),
                _ => None,
            })
            .collect(),
    }
}

/// The space of a `src-ip`/`dst-ip` option's single address.
fn one_addr_space(
    a: &crate::syntax::ipfw::Addr,
    span: crate::source::Span,
    env: Option<&IpfwEnv>,
) -> Option<AddrSpace> {
    let m = AddrMatch {
        span: None,
        alts: vec![crate::syntax::ipfw::AddrAlt {
            span,
            negated: false,
            addr: a.clone(),
        }],
    };
    addr_space(&m, env)
}

fn addr_space(m: &AddrMatch, env: Option<&IpfwEnv>) -> Option<AddrSpace> {
    if m.alts.is_empty() || m.alts.iter().any(|a| a.addr == Addr::Any && !a.negated) {
        return Some(AddrSpace::Any);
    }
    if m.alts.len() == 1 && m.alts[0].negated {
        return Some(AddrSpace::NotIn(addr_nets(&m.alts[0].addr, env)?));
    }
    if m.alts.iter().any(|a| a.negated) {
        return None;
    }
    let mut nets = Vec::new();
    for a in &m.alts {
        nets.extend(addr_nets(&a.addr, env)?);
    }
    Some(AddrSpace::In(nets))
}

/// Keep only one address family.
fn restrict_family(a: AddrSpace, v4: bool) -> Option<AddrSpace> {
    let keep = |n: &IpNet| matches!(n, IpNet::V4(_)) == v4;
    match a {
        AddrSpace::Any => Some(AddrSpace::In(vec![if v4 {
            "0.0.0.0/0".parse().expect("net")
        } else {
            "::/0".parse().expect("net")
        }])),
        AddrSpace::In(nets) => Some(AddrSpace::In(nets.into_iter().filter(keep).collect())),
        AddrSpace::NotIn(_) => None,
    }
}

fn space(r: &IpfwRule, env: Option<&IpfwEnv>) -> Option<HeaderSpace> {
    if r.prob.is_some() || matches!(r.action.value, Action::CheckState(_)) {
        return None;
    }
    let mut s = HeaderSpace::any();
    let mut family: Option<bool> = None;
    // Protocols.
    if !r.proto.is_empty() {
        if r.proto.iter().any(|a| a.proto == Proto::Any && !a.negated) {
            // any protocol
        } else if r.proto.len() == 1 && matches!(r.proto[0].proto, Proto::Ip4 | Proto::Ip6) {
            if r.proto[0].negated {
                return None;
            }
            family = Some(r.proto[0].proto == Proto::Ip4);
        } else {
            let mut nums = Vec::new();
            let negs = r.proto.iter().filter(|a| a.negated).count();
            for a in &r.proto {
                match a.proto {
                    Proto::Number(n) => nums.push(n),
                    _ => return None,
                }
            }
            if negs == 0 {
                s.protos = Some(nums);
            } else if negs == 1 && nums.len() == 1 {
                s.protos = Some((0..=255u8).filter(|p| *p != nums[0]).collect());
            } else {
                return None;
            }
        }
    }
    s.src = addr_space(&r.src, env)?;
    s.dst = addr_space(&r.dst, env)?;
    if let Some(p) = &r.sports {
        s.sports = Some(port_space(p)?);
    }
    if let Some(p) = &r.dports {
        s.dports = Some(port_space(p)?);
    }
    let mut recv_seen = false;
    let mut dir_in_only = false;
    for g in &r.options {
        if g.alts.len() != 1 {
            return None;
        }
        let o = &g.alts[0];
        let neg = o.negated;
        let restrict_dir = |s: &mut HeaderSpace, d: Dir| s.dirs.retain(|x| *x == d);
        let set_iface = |s: &mut HeaderSpace, name: &str| match &s.iface {
            None => s.iface = Some(name.to_string()),
            Some(n) if n == name => {}
            Some(_) => s.dirs.clear(),
        };
        match &o.kind {
            OptKind::In => {
                restrict_dir(&mut s, if neg { Dir::Out } else { Dir::In });
                dir_in_only |= !neg;
            }
            OptKind::Out => {
                restrict_dir(&mut s, if neg { Dir::In } else { Dir::Out });
                dir_in_only |= neg;
            }
            OptKind::Via(Iface::Name(n)) if !neg => set_iface(&mut s, n),
            OptKind::Recv(Iface::Name(n)) if !neg => {
                recv_seen = true;
                set_iface(&mut s, n);
            }
            OptKind::Xmit(Iface::Name(n)) if !neg => {
                restrict_dir(&mut s, Dir::Out);
                set_iface(&mut s, n);
            }
            OptKind::Proto(p) if !neg => match p {
                Proto::Any => {}
                Proto::Ip4 => family = Some(true),
                Proto::Ip6 => family = Some(false),
                Proto::Number(n) => {
                    let cur = s.protos.take().unwrap_or_else(|| (0..=255).collect());
                    s.protos = Some(cur.into_iter().filter(|x| x == n).collect());
                }
            },
            OptKind::Ip4 if !neg => family = Some(true),
            OptKind::Ip6 if !neg => family = Some(false),
            OptKind::SrcIp(a) if !neg => {
                if s.src != AddrSpace::Any {
                    return None;
                }
                s.src = one_addr_space(a, o.span, env)?;
            }
            OptKind::DstIp(a) if !neg => {
                if s.dst != AddrSpace::Any {
                    return None;
                }
                s.dst = one_addr_space(a, o.span, env)?;
            }
            OptKind::SrcPort(p) if !neg => {
                if s.sports.is_some() {
                    return None;
                }
                s.sports = Some(port_space(p)?);
            }
            OptKind::DstPort(p) if !neg => {
                if s.dports.is_some() {
                    return None;
                }
                s.dports = Some(port_space(p)?);
            }
            _ => return None,
        }
    }
    // `recv X` also matches outgoing packets that came in on X: not a header field.
    if recv_seen && !dir_in_only {
        return None;
    }
    if let Some(v4) = family {
        s.src = restrict_family(s.src, v4)?;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::ipfw::parse_lines;
    use std::net::Ipv4Addr;

    fn rules(text: &str) -> Vec<IpfwRule> {
        let p = parse_lines(FileId(0), text);
        assert!(
            p.diagnostics
                .iter()
                .all(|d| d.severity != crate::diagnostic::Severity::Error),
            "{:?}",
            p.diagnostics
        );
        load(&p.file.commands).rules
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn pkt(dir: Dir, iface: &str, proto: u8, src: &str, dst: &str) -> Packet {
        Packet::new(dir, Some(iface), proto, ip(src), ip(dst))
    }

    fn udp(dir: Dir, iface: &str, src: &str, sport: u16, dst: &str, dport: u16) -> Packet {
        Packet::udp(dir, Some(iface), ip(src), sport, ip(dst), dport)
    }

    fn which(rs: &[IpfwRule], d: &Decision) -> Option<u32> {
        d.rule.map(|r| rs[r.index].number.unwrap())
    }

    #[test]
    fn first_match_in_number_order_and_default_deny() {
        let rs = rules("add 200 deny udp from any to any 500\nadd 100 allow udp from any to any 500\nadd 300 allow ip from 10.0.0.0/8 to any\n");
        let env = IpfwEnv::default();
        let d = evaluate(
            &rs,
            &env,
            &udp(Dir::In, "em0", "192.0.2.1", 500, "198.51.100.1", 500),
        );
        assert_eq!(d.verdict, Verdict::Pass);
        assert_eq!(which(&rs, &d), Some(100));
        let d = evaluate(
            &rs,
            &env,
            &udp(Dir::In, "em0", "192.0.2.1", 53, "198.51.100.1", 53),
        );
        assert_eq!(d.verdict, Verdict::Block);
        assert_eq!(d.rule, None);
        let accept = IpfwEnv {
            default_accept: true,
            ..Default::default()
        };
        assert_eq!(
            evaluate(
                &rs,
                &accept,
                &udp(Dir::In, "em0", "192.0.2.1", 53, "198.51.100.1", 53)
            )
            .verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn autonumbering_and_ties() {
        let rs = rules("add allow ip from any to any via lo0\nadd 100 deny ip from 10.0.0.1 to any\nadd 100 allow ip from any to any\nadd deny ip from any to any\n");
        let nums: Vec<u32> = rs.iter().map(|r| r.number.unwrap()).collect();
        assert_eq!(nums, vec![100, 100, 100, 200]);
        let env = IpfwEnv::default();
        let p = pkt(Dir::In, "em0", 50, "10.0.0.1", "10.0.0.2");
        let d = evaluate(&rs, &env, &p);
        assert_eq!(d.rule.unwrap().index, 1);
    }

    #[test]
    fn count_and_skipto_continue() {
        let rs = rules("add 100 count ip from any to any\nadd 200 skipto 1000 ip from 10.0.0.0/8 to any\nadd 300 deny ip from any to any\nadd 1000 allow ip from any to any\n");
        let env = IpfwEnv::default();
        let p = pkt(Dir::In, "em0", proto::ESP, "10.1.2.3", "192.0.2.1");
        let d = evaluate(&rs, &env, &p);
        assert_eq!(which(&rs, &d), Some(1000));
        assert_eq!(d.consulted.len(), 2);
        let p = pkt(Dir::In, "em0", proto::ESP, "172.16.0.1", "192.0.2.1");
        assert_eq!(which(&rs, &evaluate(&rs, &env, &p)), Some(300));
    }

    #[test]
    fn call_and_return() {
        let rs = rules("add 100 call 1000 ip from any to any\nadd 200 allow ip from any to any\nadd 1000 count ip from any to any\nadd 1010 return ip from any to any\nadd 1020 deny ip from any to any\n");
        let d = evaluate(
            &rs,
            &IpfwEnv::default(),
            &Packet::new(Dir::In, None, 1, ip("10.0.0.1"), ip("10.0.0.2")),
        );
        assert_eq!(which(&rs, &d), Some(200));
    }

    #[test]
    fn via_on_output_checks_the_transmit_interface() {
        let rs = rules("add 100 deny ip from 10.0.0.0/8 to any via em0\nadd 200 deny ip from any to any xmit em0 in\nadd 300 allow ip from any to any\n");
        let env = IpfwEnv::default();
        let out_em0 = pkt(Dir::Out, "em0", 50, "10.0.0.1", "192.0.2.1");
        assert_eq!(evaluate(&rs, &env, &out_em0).verdict, Verdict::Block);
        let out_em1 = pkt(Dir::Out, "em1", 50, "10.0.0.1", "192.0.2.1");
        assert_eq!(evaluate(&rs, &env, &out_em1).verdict, Verdict::Pass);
        let in_em0 = pkt(Dir::In, "em0", 50, "10.0.0.1", "192.0.2.1");
        assert_eq!(which(&rs, &evaluate(&rs, &env, &in_em0)), Some(100));
        // xmit never matches an incoming packet.
        let in_em0 = pkt(Dir::In, "em0", 50, "172.16.0.1", "192.0.2.1");
        assert_eq!(which(&rs, &evaluate(&rs, &env, &in_em0)), Some(300));
        let rs = rules("add 100 allow ip from any to any via gif*\n");
        let p = pkt(Dir::In, "gif0", 4, "10.0.0.1", "10.0.0.2");
        assert_eq!(evaluate(&rs, &env, &p).verdict, Verdict::Pass);
    }

    #[test]
    fn keep_state_admits_the_reply_only() {
        let rs = rules("add 100 check-state\nadd 200 allow udp from me to any keep-state\nadd 300 deny ip from any to any\n");
        let env = IpfwEnv {
            local: vec![ip("192.0.2.1")],
            ..Default::default()
        };
        let mut ev = Evaluator::new(&rs, &env);
        let unsolicited = udp(Dir::In, "em0", "198.51.100.1", 500, "192.0.2.1", 500);
        assert_eq!(ev.eval(&unsolicited).verdict, Verdict::Block);
        let query = udp(Dir::Out, "em0", "192.0.2.1", 500, "198.51.100.1", 500);
        let d = ev.eval(&query);
        assert_eq!((d.verdict, d.by_state), (Verdict::Pass, false));
        assert_eq!(ev.states().len(), 1);
        let reply = query.reply(Dir::In, Some("em0"));
        let d = ev.eval(&reply);
        assert_eq!((d.verdict, d.by_state), (Verdict::Pass, true));
        assert_eq!(which(&rs, &d), Some(200));
        // Another peer has no state.
        let other = udp(Dir::In, "em0", "203.0.113.9", 500, "192.0.2.1", 500);
        assert_eq!(ev.eval(&other).verdict, Verdict::Block);
    }

    #[test]
    fn ipsec_option_needs_kernel_ipsec_and_decapsulation() {
        let rs = rules("add 100 allow ip from 10.2.0.0/16 to 10.1.0.0/16 ipsec\n");
        let mut p = pkt(Dir::In, "em0", proto::TCP, "10.2.0.5", "10.1.0.5");
        let no_ipsec = IpfwEnv::default();
        let ipsec = IpfwEnv {
            kernel_ipsec: true,
            ..Default::default()
        };
        p.ipsec_done = true;
        assert_eq!(evaluate(&rs, &no_ipsec, &p).verdict, Verdict::Block);
        assert_eq!(evaluate(&rs, &ipsec, &p).verdict, Verdict::Pass);
        p.ipsec_done = false;
        assert_eq!(evaluate(&rs, &ipsec, &p).verdict, Verdict::Block);
    }

    #[test]
    fn esp_with_ports_never_matches() {
        let rs = rules("add 100 allow esp from 198.51.100.1 500 to 192.0.2.1 500\nadd 200 allow esp from any to any not 500\n");
        let env = IpfwEnv::default();
        let esp = pkt(Dir::In, "em0", proto::ESP, "198.51.100.1", "192.0.2.1");
        let d = evaluate(&rs, &env, &esp);
        // The port test fails for ESP; `not 500` therefore succeeds.
        assert_eq!(which(&rs, &d), Some(200));
        let rs = rules("add 100 allow esp from 198.51.100.1 500 to 192.0.2.1 500\n");
        assert_eq!(evaluate(&rs, &env, &esp).verdict, Verdict::Block);
        // Non-first fragments have no ports either.
        let rs = rules("add 100 allow udp from any to any 500\n");
        let mut frag = udp(Dir::In, "em0", "198.51.100.1", 500, "192.0.2.1", 500);
        frag.frag_offset = 185;
        assert_eq!(evaluate(&rs, &env, &frag).verdict, Verdict::Block);
    }

    #[test]
    fn tables_me_and_assumptions() {
        let p = parse_lines(
            FileId(0),
            "table 13 add 10.0.0.0/8\nadd 100 deny ip from table(13) to any via em0\nadd 200 deny ip from any to any antispoof\nadd 300 allow ip from any to me\n",
        );
        let rs = load(&p.file.commands);
        let mut env = IpfwEnv {
            local: vec![ip("192.0.2.1")],
            ..Default::default()
        };
        let pkt = pkt(Dir::In, "em0", 50, "10.9.9.9", "192.0.2.1");
        // Table contents unknown: assumed not to match, and said so.
        let t = Evaluator::new(&rs.rules, &env).trace(&pkt);
        assert_eq!(which(&rs.rules, &t.decision), Some(300));
        assert_eq!(t.assumed.len(), 2);
        env.tables = rs.tables.clone();
        let t = Evaluator::new(&rs.rules, &env).trace(&pkt);
        assert_eq!(which(&rs.rules, &t.decision), Some(100));
        assert!(t.assumed.is_empty());
    }

    #[test]
    fn header_spaces() {
        let rs = rules("add 100 deny all from 10.0.0.0/8 to any in via em0\nadd 200 allow esp from any to 192.0.2.1\nadd 300 allow udp from any to any not 500\nadd 400 allow tcp from any to any established\nadd 500 allow ip4 from any to any xmit gif*\n");
        let s = rs[0].match_space().unwrap();
        assert_eq!(s.dirs, vec![Dir::In]);
        assert_eq!(s.iface.as_deref(), Some("em0"));
        assert_eq!(s.src, AddrSpace::In(vec!["10.0.0.0/8".parse().unwrap()]));
        let s = rs[1].match_space().unwrap();
        assert_eq!(s.protos, Some(vec![proto::ESP]));
        // `not 500` also matches ESP and fragments: no port range says that.
        assert!(rs[2].match_space().is_none());
        assert!(rs[3].match_space().is_none());
        let s = rs[4].match_space().unwrap();
        assert_eq!(s.dirs, vec![Dir::Out]);
        assert!(s.contains(&Packet::new(
            Dir::Out,
            Some("gif3"),
            6,
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            ip("10.0.0.2")
        )));
    }
}

/// A loaded ipfw ruleset with the host it runs on, as the firewall checks see it.
#[derive(Clone, Debug)]
pub struct IpfwRuleset {
    pub rules: Vec<IpfwRule>,
    pub env: IpfwEnv,
}

impl IpfwRuleset {
    /// Number the rules and fill the tables the commands define.
    pub fn load<'a>(
        commands: impl IntoIterator<Item = &'a IpfwCommand> + Clone,
        mut env: IpfwEnv,
    ) -> IpfwRuleset {
        env.load_tables(commands.clone());
        let loaded = load(commands);
        for (k, v) in loaded.tables {
            env.tables.entry(k).or_insert(v);
        }
        IpfwRuleset {
            rules: loaded.rules,
            env,
        }
    }
}

impl crate::model::firewall::Ruleset for IpfwRuleset {
    fn order(&self) -> crate::model::firewall::MatchOrder {
        crate::model::firewall::MatchOrder::FirstMatch
    }

    fn default_pass(&self, env: &crate::model::firewall::FirewallEnv) -> bool {
        env.default_pass.unwrap_or(self.env.default_accept)
    }

    fn evaluate(
        &self,
        env: &crate::model::firewall::FirewallEnv,
        packets: &[Packet],
    ) -> Vec<Decision> {
        let mut e = self.env.clone();
        e.default_accept = self.default_pass(env);
        // Decapsulated packets bypass the firewall unless the kernel filters them.
        let mut ev = Evaluator::new(&self.rules, &e);
        packets
            .iter()
            .map(|p| {
                if p.ipsec_done && !env.filters_decapsulated(p) {
                    Decision {
                        verdict: crate::model::firewall::Verdict::Pass,
                        rule: None,
                        consulted: Vec::new(),
                        by_state: false,
                    }
                } else {
                    ev.eval(p)
                }
            })
            .collect()
    }

    fn rules(&self) -> Vec<crate::model::firewall::RuleInfo> {
        use crate::model::firewall::{RuleEffect, RuleInfo};
        self.rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let effect = match r.action.value {
                    Action::Allow | Action::Fwd(_) => RuleEffect::Pass,
                    Action::Deny
                    | Action::Reject
                    | Action::Unreach(_)
                    | Action::Unreach6(_)
                    | Action::Reset
                    | Action::Reset6
                    | Action::Abort
                    | Action::Abort6 => RuleEffect::Block,
                    _ => RuleEffect::Continue,
                };
                RuleInfo {
                    rule: RuleRef {
                        file: r.file,
                        span: r.span,
                        index: i,
                    },
                    effect,
                    quick: true,
                    space: r.match_space_in(&self.env),
                    text: String::new(),
                }
            })
            .collect()
    }
}
