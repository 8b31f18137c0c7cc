//! Reading what state records: one batched read per resource type, types in parallel.

use std::collections::BTreeMap;

use tether_sdk::{ReadItem, ReadRequest, Value};
use tether_state::{ResourceState, StateFile};

use crate::addrs::{InstanceAddr, Mode};
use crate::diag::{has_errors, Diag, Diags};
use crate::registry::Registry;

/// Reads every resource recorded in state, one batched call per type, types in parallel.
/// Returns the refreshed value per address (`None`: deleted outside tether).
pub async fn refresh(registry: &Registry, state: &StateFile) -> Result<BTreeMap<InstanceAddr, Option<Value>>, Diags> {
    let mut by_type: BTreeMap<&str, Vec<&ResourceState>> = BTreeMap::new();
    for r in &state.resources {
        if r.mode == Mode::Managed && !r.deposed {
            by_type.entry(r.type_name.as_str()).or_default().push(r);
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    let mut diags = Vec::new();
    for (type_name, items) in by_type {
        let Some(provider) = registry.for_type(type_name).cloned() else {
            diags.push(
                Diag::error(format!("state holds {type_name} resources but no provider handles that type"))
                    .code("state::unknown-provider"),
            );
            continue;
        };
        // Providers answer by the address text they were given; this maps it back.
        let addrs: BTreeMap<String, InstanceAddr> =
            items.iter().map(|r| (r.address.to_string(), r.address.clone())).collect();
        let req = ReadRequest {
            type_name: type_name.to_string(),
            items: items
                .iter()
                .map(|r| ReadItem {
                    address: r.address.to_string(),
                    id: r.id.clone(),
                    prior: Value::from_json(&r.attributes),
                })
                .collect(),
        };
        tasks.spawn(async move { (provider.read_resources(req).await, addrs) });
    }
    let mut out = BTreeMap::new();
    while let Some(res) = tasks.join_next().await {
        match res {
            Ok((resp, addrs)) => {
                diags.extend(resp.diagnostics.into_iter().map(|d| Diag::from_provider(d, None)));
                for r in resp.results {
                    match addrs.get(&r.address) {
                        Some(a) => {
                            out.insert(a.clone(), r.state);
                        }
                        None => diags.push(
                            Diag::error(format!(
                                "a provider's refresh answered for {}, which was not asked for",
                                r.address
                            ))
                            .code("provider::inconsistent"),
                        ),
                    }
                }
            }
            Err(e) => diags.push(Diag::error(format!("refresh task failed: {e}"))),
        }
    }
    if has_errors(&diags) {
        Err(diags)
    } else {
        Ok(out)
    }
}
