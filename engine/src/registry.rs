//! The providers available to a run, found by resource type prefix (`aws_` -> `aws`).

use std::collections::BTreeMap;
use std::sync::Arc;

use tether_sdk::{Provider, ResourceSchema};

use crate::config::{Mode, SchemaRef};
use crate::graph::provider_of;

#[derive(Clone, Default)]
pub struct Registry {
    providers: BTreeMap<String, Arc<dyn Provider>>,
}

impl Registry {
    pub fn new(providers: Vec<Arc<dyn Provider>>) -> Registry {
        Registry { providers: providers.into_iter().map(|p| (p.name().to_string(), p)).collect() }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Provider>> {
        self.providers.get(name)
    }

    /// The provider that handles a resource type.
    pub fn for_type(&self, type_name: &str) -> Option<&Arc<dyn Provider>> {
        self.providers.get(provider_of(type_name))
    }

    pub fn schema(&self, mode: Mode, type_name: &str) -> Option<&ResourceSchema> {
        let p = self.for_type(type_name)?;
        match mode {
            Mode::Managed => p.schema().resources.get(type_name),
            Mode::Data => p.schema().data_sources.get(type_name),
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// Every managed and data type any provider offers, for "did you mean".
    pub fn known_types(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.providers.values() {
            out.extend(p.schema().resources.keys().cloned());
            out.extend(p.schema().data_sources.keys().cloned());
        }
        out.sort();
        out.dedup();
        out
    }

    /// The view of one provider's schema that static validation needs.
    pub fn schema_ref(&self, provider: &str) -> Option<SchemaRef<'_>> {
        let p = self.providers.get(provider)?;
        let s = p.schema();
        Some(SchemaRef {
            provider: p.name(),
            resources: &s.resources,
            data_sources: &s.data_sources,
            provider_block: &s.provider,
        })
    }
}
