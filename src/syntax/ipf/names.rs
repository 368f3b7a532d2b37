//! Name tables IPFilter resolves at load time: protocols (/etc/protocols),
//! services (/etc/services), ICMP types and codes, IP options and security
//! classes (IPFilter's own tables), syslog facilities and priorities.

/// A protocol number from its /etc/protocols name (FreeBSD's file; names
/// compare case-insensitively, aliases included).
pub fn protocol(name: &str) -> Option<u8> {
    crate::syntax::protocols::number(&name.to_ascii_lowercase())
}

/// Which transport a service entry exists for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
    Both,
}

/// A port number from its /etc/services name. `proto` is the rule's
/// protocol (`None`: tcp/udp, where IPFilter wants the name to mean the same
/// port for both).
pub fn service(name: &str, proto: Option<u8>) -> Option<u16> {
    use Transport::*;
    const T: &[(&str, u16, Transport)] = &[
        ("tcpmux", 1, Both),
        ("echo", 7, Both),
        ("discard", 9, Both),
        ("sink", 9, Both),
        ("null", 9, Both),
        ("systat", 11, Both),
        ("users", 11, Both),
        ("daytime", 13, Both),
        ("netstat", 15, Tcp),
        ("qotd", 17, Both),
        ("quote", 17, Both),
        ("chargen", 19, Both),
        ("ttytst", 19, Both),
        ("source", 19, Both),
        ("ftp-data", 20, Both),
        ("ftp", 21, Both),
        ("ssh", 22, Both),
        ("telnet", 23, Both),
        ("smtp", 25, Both),
        ("mail", 25, Both),
        ("time", 37, Both),
        ("timserver", 37, Both),
        ("rlp", 39, Both),
        ("nameserver", 42, Both),
        ("name", 42, Both),
        ("whois", 43, Both),
        ("nicname", 43, Both),
        ("tacacs", 49, Both),
        ("domain", 53, Both),
        ("nameserver", 53, Both),
        ("mtp", 57, Tcp),
        ("bootps", 67, Both),
        ("bootpc", 68, Both),
        ("tftp", 69, Both),
        ("gopher", 70, Both),
        ("rje", 77, Tcp),
        ("finger", 79, Both),
        ("http", 80, Both),
        ("www", 80, Both),
        ("www-http", 80, Both),
        ("link", 87, Tcp),
        ("ttylink", 87, Tcp),
        ("kerberos", 88, Both),
        ("kerberos-sec", 88, Both),
        ("kerberos5", 88, Both),
        ("krb5", 88, Both),
        ("supdup", 95, Tcp),
        ("hostnames", 101, Tcp),
        ("hostname", 101, Tcp),
        ("iso-tsap", 102, Tcp),
        ("tsap", 102, Tcp),
        ("csnet-ns", 105, Both),
        ("poppassd", 106, Both),
        ("rtelnet", 107, Both),
        ("pop2", 109, Both),
        ("pop-2", 109, Both),
        ("pop3", 110, Both),
        ("pop-3", 110, Both),
        ("pop", 110, Both),
        ("sunrpc", 111, Both),
        ("rpcbind", 111, Both),
        ("portmapper", 111, Both),
        ("auth", 113, Both),
        ("authentication", 113, Both),
        ("tap", 113, Both),
        ("ident", 113, Both),
        ("sftp", 115, Both),
        ("uucp-path", 117, Both),
        ("nntp", 119, Both),
        ("readnews", 119, Both),
        ("untp", 119, Both),
        ("ntp", 123, Both),
        ("pwdgen", 129, Both),
        ("loc-srv", 135, Both),
        ("epmap", 135, Both),
        ("netbios-ns", 137, Both),
        ("netbios-dgm", 138, Both),
        ("netbios-ssn", 139, Both),
        ("imap", 143, Both),
        ("imap2", 143, Both),
        ("imap4", 143, Both),
        ("snmp", 161, Both),
        ("snmptrap", 162, Both),
        ("snmp-trap", 162, Both),
        ("cmip-man", 163, Both),
        ("cmip-agent", 164, Both),
        ("xdmcp", 177, Both),
        ("nextstep", 178, Both),
        ("bgp", 179, Both),
        ("prospero", 191, Both),
        ("irc", 194, Both),
        ("smux", 199, Both),
        ("at-rtmp", 201, Both),
        ("at-nbp", 202, Both),
        ("at-echo", 204, Both),
        ("at-zis", 206, Both),
        ("qmtp", 209, Both),
        ("z3950", 210, Both),
        ("wais", 210, Both),
        ("ipx", 213, Both),
        ("imap3", 220, Both),
        ("ldap", 389, Both),
        ("svrloc", 427, Both),
        ("https", 443, Both),
        ("snpp", 444, Both),
        ("microsoft-ds", 445, Both),
        ("kpasswd", 464, Both),
        ("urd", 465, Tcp),
        ("smtps", 465, Tcp),
        ("photuris", 468, Both),
        ("rcp", 469, Both),
        ("saft", 487, Both),
        ("gss-http", 488, Both),
        ("pim-rp-disc", 496, Both),
        ("isakmp", 500, Both),
        ("ike", 500, Both),
        ("exec", 512, Tcp),
        ("biff", 512, Udp),
        ("comsat", 512, Udp),
        ("login", 513, Tcp),
        ("who", 513, Udp),
        ("whod", 513, Udp),
        ("shell", 514, Tcp),
        ("cmd", 514, Tcp),
        ("syslog", 514, Udp),
        ("printer", 515, Both),
        ("spooler", 515, Both),
        ("talk", 517, Both),
        ("ntalk", 518, Both),
        ("utime", 519, Both),
        ("efs", 520, Tcp),
        ("router", 520, Udp),
        ("route", 520, Udp),
        ("routed", 520, Udp),
        ("ripng", 521, Both),
        ("timed", 525, Both),
        ("timeserver", 525, Both),
        ("tempo", 526, Both),
        ("courier", 530, Both),
        ("rpc", 530, Both),
        ("conference", 531, Both),
        ("chat", 531, Both),
        ("netnews", 532, Both),
        ("netwall", 533, Both),
        ("uucp", 540, Both),
        ("uucpd", 540, Both),
        ("klogin", 543, Both),
        ("kshell", 544, Both),
        ("krcmd", 544, Both),
        ("dhcpv6-client", 546, Both),
        ("dhcpv6-server", 547, Both),
        ("afpovertcp", 548, Both),
        ("remotefs", 556, Both),
        ("rfs", 556, Both),
        ("rmonitor", 560, Both),
        ("monitor", 561, Both),
        ("nntps", 563, Both),
        ("snews", 563, Both),
        ("submission", 587, Both),
        ("ipp", 631, Both),
        ("ldaps", 636, Both),
        ("kerberos-adm", 749, Both),
        ("kerberos-iv", 750, Both),
        ("kerberos_master", 751, Both),
        ("passwd_server", 752, Udp),
        ("krb_prop", 754, Tcp),
        ("krbupdate", 760, Tcp),
        ("webster", 765, Both),
        ("phonebook", 767, Both),
        ("rsync", 873, Both),
        ("ftps-data", 989, Both),
        ("ftps", 990, Both),
        ("telnets", 992, Both),
        ("imaps", 993, Both),
        ("ircs", 994, Both),
        ("pop3s", 995, Both),
        ("socks", 1080, Both),
        ("openvpn", 1194, Both),
        ("ms-sql-s", 1433, Both),
        ("ms-sql-m", 1434, Both),
        ("ingreslock", 1524, Both),
        ("l2tp", 1701, Both),
        ("pptp", 1723, Both),
        ("radius", 1812, Both),
        ("radius-acct", 1813, Both),
        ("radacct", 1813, Both),
        ("nfsd", 2049, Both),
        ("nfs", 2049, Both),
        ("cvsup", 5999, Both),
        ("cvspserver", 2401, Both),
        ("mysql", 3306, Both),
        ("svn", 3690, Both),
        ("ipsec-nat-t", 4500, Both),
        ("nat-t-ike", 4500, Both),
        ("sip", 5060, Both),
        ("postgresql", 5432, Both),
        ("x11", 6000, Both),
        ("irc-serv", 6667, Both),
        ("ircd", 6667, Both),
        ("http-alt", 8080, Both),
        ("webcache", 8080, Both),
        ("tproxy", 8081, Both),
        ("amanda", 10080, Both),
    ];
    let lower = name.to_ascii_lowercase();
    let want = match proto {
        Some(6) => Some(Tcp),
        Some(17) => Some(Udp),
        _ => None,
    };
    let mut found: Option<(u16, Transport)> = None;
    for (n, p, t) in T {
        if *n != lower {
            continue;
        }
        let ok = match (want, t) {
            (Some(_), Both) | (None, _) => true,
            (Some(w), t) => w == *t,
        };
        if ok {
            found = Some((*p, *t));
            break;
        }
    }
    match (found, want) {
        // tcp/udp: the name must exist for both with the same number.
        (Some((p, Both)), None) => Some(p),
        (Some((_, _)), None) => None,
        (Some((p, _)), Some(_)) => Some(p),
        (None, _) => None,
    }
}

/// ICMP type numbers by IPFilter's names.
pub fn icmp_type(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "echorep" => 0,
        "unreach" => 3,
        "squench" => 4,
        "redir" => 5,
        "echo" => 8,
        "routerad" => 9,
        "routersol" => 10,
        "timex" => 11,
        "paramprob" => 12,
        "timest" => 13,
        "timestrep" => 14,
        "inforeq" => 15,
        "inforep" => 16,
        "maskreq" => 17,
        "maskrep" => 18,
        _ => return None,
    })
}

/// ICMP unreachable codes (3.4's `icmpcodes[]`, 4.x's `icmpcodewords`).
pub const ICMP_CODES: &[&str] = &[
    "net-unr",
    "host-unr",
    "proto-unr",
    "port-unr",
    "needfrag",
    "srcfail",
    "net-unk",
    "host-unk",
    "isolate",
    "net-prohib",
    "host-prohib",
    "net-tos",
    "host-tos",
    "filter-prohib",
    "host-preced",
    "cutoff-preced",
];

pub fn icmp_code(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase();
    if lower == "preced-cutoff" {
        return Some(15);
    }
    ICMP_CODES.iter().position(|c| *c == lower).map(|i| i as u8)
}

/// IP options: (name, option value, IPFilter's option bit, length ipftest
/// builds for it).
pub const IP_OPTIONS: &[(&str, u8, u32, u8)] = &[
    ("nop", 1, 0x000001, 1),
    ("rr", 7, 0x000002, 7),
    ("zsu", 10, 0x000004, 3),
    ("mtup", 11, 0x000008, 3),
    ("mtur", 12, 0x000010, 3),
    ("encode", 15, 0x000020, 3),
    ("ts", 68, 0x000040, 8),
    ("tr", 82, 0x000080, 3),
    ("sec", 130, 0x000100, 11),
    ("sec-class", 130, 0x000100, 11),
    ("lsrr", 131, 0x000200, 7),
    ("e-sec", 133, 0x000400, 3),
    ("cipso", 134, 0x000800, 3),
    ("satid", 136, 0x001000, 4),
    ("ssrr", 137, 0x002000, 7),
    ("addext", 147, 0x004000, 3),
    ("visa", 142, 0x008000, 3),
    ("imitd", 144, 0x010000, 3),
    ("eip", 145, 0x020000, 3),
    ("finn", 205, 0x040000, 3),
    ("dps", 151, 0x080000, 3),
    ("sdb", 149, 0x100000, 3),
    ("nsapa", 150, 0x200000, 3),
    ("rtralrt", 148, 0x400000, 3),
    ("ump", 152, 0x800000, 3),
];

/// The option bit for a name (`None` when unknown). 3.4 knows only the
/// first 20 names.
pub fn ip_option_bit(name: &str, v34: bool) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    IP_OPTIONS
        .iter()
        .take(if v34 { 20 } else { IP_OPTIONS.len() })
        .find(|o| o.0 == lower)
        .map(|o| o.2)
}

/// Security classes: (name, class value in the option, IPFilter's bit).
pub const SEC_CLASSES: &[(&str, u8, u16)] = &[
    ("reserv-4", 0x01, 0x01),
    ("topsecret", 0x3d, 0x02),
    ("secret", 0x5a, 0x04),
    ("reserv-3", 0x66, 0x08),
    ("confid", 0x96, 0x10),
    ("unclass", 0xab, 0x20),
    ("reserv-2", 0xcc, 0x40),
    ("reserv-1", 0xf1, 0x80),
];

pub fn sec_class_bit(name: &str) -> Option<u16> {
    let lower = name.to_ascii_lowercase();
    SEC_CLASSES.iter().find(|s| s.0 == lower).map(|s| s.2)
}

pub fn sec_class_value(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase();
    SEC_CLASSES.iter().find(|s| s.0 == lower).map(|s| s.1)
}

pub const FACILITIES: &[&str] = &[
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "ftp",
    "authpriv", "audit", "logalert", "console", "security", "local0", "local1", "local2", "local3",
    "local4", "local5", "local6", "local7",
];

pub const PRIORITIES: &[&str] = &[
    "emerg", "alert", "crit", "err", "warn", "warning", "notice", "info", "debug",
];

/// Well-known host names the resolver answers without DNS. `test.host.dots`
/// is ipftest's built-in fake name (4.x and later).
pub fn builtin_host(name: &str, v34: bool) -> Option<std::net::Ipv4Addr> {
    match name {
        "localhost" | "loopback" => Some(std::net::Ipv4Addr::new(127, 0, 0, 1)),
        "test.host.dots" if !v34 => Some(std::net::Ipv4Addr::new(254, 220, 186, 152)),
        _ => None,
    }
}
