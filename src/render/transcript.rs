//! `ipseclint negotiate A B`: each direction of a pair's negotiation, step by
//! step, as `racoon -d` would log it, each step with the place that decides
//! it. The steps are written by the same simulation as the pairs table, so
//! the two never disagree.

use crate::engine::Report;
use crate::model::ike::Step;
use crate::rules::pair::PairStatus;

/// `path:line:column` of a step, as given on the command line.
fn place(report: &Report, step: &Step) -> Option<String> {
    let (file, span) = step.place?;
    let ((line, col), _) = super::range(report, file, span);
    Some(format!("{}:{line}:{col}", super::path(report, file)))
}

fn status_name(s: crate::model::ike::Status) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// One direction of a pair.
struct Direction<'a> {
    from: &'a str,
    to: &'a str,
    status: String,
    reason: Option<&'a str>,
    steps: &'a [Step],
}

fn directions(p: &PairStatus) -> [Direction<'_>; 2] {
    let empty: &[Step] = &[];
    let steps = |n: usize| p.transcript.as_ref().map_or(empty, |t| t[n].as_slice());
    [
        Direction {
            from: &p.a,
            to: &p.b,
            status: status_name(p.a_to_b),
            reason: p.a_to_b_reason.as_deref(),
            steps: steps(0),
        },
        Direction {
            from: &p.b,
            to: &p.a,
            status: status_name(p.b_to_a),
            reason: p.b_to_a_reason.as_deref(),
            steps: steps(1),
        },
    ]
}

/// The transcript as text.
pub fn human(report: &Report, pair: &PairStatus) -> String {
    let mut s = String::new();
    for d in directions(pair) {
        s.push_str(&format!("{} -> {}\n", d.from, d.to));
        for step in d.steps {
            let at = place(report, step).map_or(String::new(), |p| format!("  {p}"));
            s.push_str(&format!("  [{}] {}{at}\n", step.gateway, step.what));
        }
        match d.reason {
            Some(r) => s.push_str(&format!("  = {}: {r}\n\n", d.status)),
            None => s.push_str(&format!("  = {}\n\n", d.status)),
        }
    }
    s
}

/// The transcript as data, with the same content.
pub fn json(report: &Report, pair: &PairStatus) -> String {
    let dirs: Vec<serde_json::Value> = directions(pair)
        .into_iter()
        .map(|d| {
            let steps: Vec<serde_json::Value> = d
                .steps
                .iter()
                .map(|st| {
                    serde_json::json!({
                        "gateway": st.gateway,
                        "what": st.what,
                        "place": place(report, st),
                    })
                })
                .collect();
            serde_json::json!({
                "from": d.from,
                "to": d.to,
                "status": d.status,
                "reason": d.reason,
                "steps": steps,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&serde_json::json!({
        "version": 1,
        "a": pair.a,
        "b": pair.b,
        "directions": dirs,
    }))
    .expect("serialisable");
    s.push('\n');
    s
}
