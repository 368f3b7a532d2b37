//! The generated site the site and language-server benches share: a hub
//! (203.0.113.1) with spokes, plus a 50-gateway full mesh, every tunnel
//! healthy. Files are handed to a sink as (path, text), so a bench can keep
//! them in memory or write them to disk.

// Each bench or test that includes this file uses a part of it.
#![allow(dead_code)]

use std::fmt::Write;
use std::path::Path;

/// A sink that writes each file under `base`, psk.txt with mode 0600.
pub fn to_disk(base: &Path) -> impl FnMut(String, String) + '_ {
    move |rel, text| {
        let p = base.join(rel);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("site dirs");
        std::fs::write(&p, text).expect("site file");
        if p.ends_with("psk.txt") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                .expect("psk.txt mode");
        }
    }
}

/// One tunnel end as written in the files of a gateway.
pub struct Peer {
    pub addr: String,
    pub net: String,
    pub key: String,
}

pub fn gateway(
    fs: &mut dyn FnMut(String, String),
    root: &str,
    addr: &str,
    lan: &str,
    lan_gw: &str,
    peers: &[Peer],
) {
    fs(
        format!("{root}/etc/rc.conf"),
        format!("hostname=\"{root}\"\nifconfig_em0=\"inet {addr}/24\"\nifconfig_em1=\"inet {lan_gw}/24\"\ngateway_enable=\"YES\"\nipsec_enable=\"YES\"\nracoon_enable=\"YES\"\n"),
    );
    let mut spd = String::from("flush;\nspdflush;\n");
    let mut racoon =
        String::from("path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\nlog notify;\n");
    let mut psk = String::new();
    for p in peers {
        let _ = write!(
            spd,
            "spdadd {lan} {n} any -P out ipsec esp/tunnel/{addr}-{a}/require;\nspdadd {n} {lan} any -P in ipsec esp/tunnel/{a}-{addr}/require;\n",
            n = p.net,
            a = p.addr
        );
        let _ = write!(
            racoon,
            "remote {a} {{\n\texchange_mode main;\n\tproposal {{\n\t\tencryption_algorithm aes 256;\n\t\thash_algorithm sha256;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group modp2048;\n\t}}\n}}\nsainfo address {lan} any address {n} any {{\n\tpfs_group modp2048;\n\tencryption_algorithm aes 256;\n\tauthentication_algorithm hmac_sha256;\n\tcompression_algorithm deflate;\n}}\n",
            a = p.addr,
            n = p.net
        );
        let _ = writeln!(psk, "{}\t{}", p.addr, p.key);
    }
    fs(format!("{root}/etc/ipsec.conf"), spd);
    fs(format!("{root}/usr/local/etc/racoon/racoon.conf"), racoon);
    fs(format!("{root}/usr/local/etc/racoon/psk.txt"), psk);
    fs(
        format!("{root}/.mtree"),
        "./usr/local/etc/racoon/psk.txt type=file uname=root mode=0600\n".to_string(),
    );
}

/// A hub (203.0.113.1) with `n - 51` spokes, and a full mesh of 50 gateways.
pub fn site(n: usize, fs: &mut dyn FnMut(String, String)) {
    let spokes = n.saturating_sub(51);
    let spoke = |i: usize| {
        let (a, b) = (i / 250, i % 250 + 1);
        (
            format!("198.51.{a}.{b}"),
            format!("10.{}.{}.0/24", 1 + a, b),
            format!("10.{}.{}.1", 1 + a, b),
        )
    };
    let key = |a: usize, b: usize| format!("generatedKey{:010}x{:010}", a.min(b), a.max(b));
    let hub_peers: Vec<Peer> = (0..spokes)
        .map(|i| Peer {
            addr: spoke(i).0,
            net: spoke(i).1,
            key: key(i, 1_000_000),
        })
        .collect();
    gateway(
        fs,
        "site/hub",
        "203.0.113.1",
        "10.0.0.0/24",
        "10.0.0.1",
        &hub_peers,
    );
    for i in 0..spokes {
        let (addr, lan, lan_gw) = spoke(i);
        let hub = Peer {
            addr: "203.0.113.1".into(),
            net: "10.0.0.0/24".into(),
            key: key(i, 1_000_000),
        };
        gateway(
            fs,
            &format!("site/spoke{i:05}"),
            &addr,
            &lan,
            &lan_gw,
            &[hub],
        );
    }
    let mesh = |m: usize| {
        (
            format!("192.0.2.{}", m + 1),
            format!("172.16.{m}.0/24"),
            format!("172.16.{m}.1"),
        )
    };
    for m in 0..50 {
        let peers: Vec<Peer> = (0..50)
            .filter(|o| *o != m)
            .map(|o| Peer {
                addr: mesh(o).0,
                net: mesh(o).1,
                key: key(2_000_000 + m, 2_000_000 + o),
            })
            .collect();
        let (addr, lan, lan_gw) = mesh(m);
        gateway(
            fs,
            &format!("site/mesh{m:02}"),
            &addr,
            &lan,
            &lan_gw,
            &peers,
        );
    }
}
