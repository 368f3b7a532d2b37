//! The 10,000-peer racoon.conf the speed and memory benches share: one
//! remote and one sainfo per peer, as a hub gateway would have them.

use std::fmt::Write;

pub fn racoon_conf(peers: usize) -> String {
    let mut s =
        String::from("path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\nlog notify;\n\n");
    for i in 0..peers {
        let (a, b) = (i / 250, i % 250 + 1);
        let _ = write!(
            s,
            "remote 198.51.{a}.{b} {{\n\texchange_mode main;\n\tlifetime time 8 hour;\n\tproposal {{\n\t\tencryption_algorithm aes 256;\n\t\thash_algorithm sha256;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group modp2048;\n\t}}\n}}\n\n\
             sainfo address 10.0.0.0/24 any address 10.{a}.{b}.0/24 any {{\n\tpfs_group modp2048;\n\tlifetime time 1 hour;\n\tencryption_algorithm aes 256, aes;\n\tauthentication_algorithm hmac_sha256, hmac_sha1;\n\tcompression_algorithm deflate;\n}}\n\n"
        );
    }
    s
}
