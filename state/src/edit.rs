//! Editing state by hand, without touching the real objects: `state rm` forgets objects, and
//! `state mv` follows a rename in the stack. The caller holds the lock, bumps the serial and
//! writes the result; nothing here reads or writes a file.

use tether_addrs::{InstanceAddr, Target};

use crate::model::{ResourceState, StateFile};

/// Why an edit was refused. The state is unchanged whenever one is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// Nothing in state matches the address.
    #[error("no resource {address} in state")]
    NotFound { address: String },

    /// A move would change the resource type or mode: that is a different resource, not a rename.
    #[error("cannot move {from} to {to}: the resource types differ")]
    TypeMismatch { from: InstanceAddr, to: InstanceAddr },

    /// The destination already holds an object; moving onto it would lose one of the two.
    #[error("cannot move to {to}: state already has a resource there")]
    DestinationExists { to: InstanceAddr },
}

/// Refuses a move between resources of different types or modes. Needs no state, so a command
/// can check it before taking the lock.
pub fn check_move(from: &InstanceAddr, to: &InstanceAddr) -> Result<(), EditError> {
    if from.resource.type_name != to.resource.type_name || from.resource.mode != to.resource.mode {
        return Err(EditError::TypeMismatch { from: from.clone(), to: to.clone() });
    }
    Ok(())
}

impl StateFile {
    /// Removes every object (current or deposed) that one of `targets` matches and returns them,
    /// in state order. Refuses, changing nothing, when no object matches.
    pub fn remove_matching(&mut self, targets: &[Target]) -> Result<Vec<ResourceState>, EditError> {
        let Some(first) = targets.first() else { return Ok(Vec::new()) };
        let (removed, kept): (Vec<ResourceState>, Vec<ResourceState>) = std::mem::take(&mut self.resources)
            .into_iter()
            .partition(|r| targets.iter().any(|t| t.matches(&r.address)));
        self.resources = kept;
        if removed.is_empty() {
            return Err(EditError::NotFound { address: first.to_string() });
        }
        Ok(removed)
    }

    /// Moves the current object at `from` to `to`. Refuses, changing nothing, a move to another
    /// type or mode, onto an address that already holds an object, or from one that holds none.
    pub fn move_resource(&mut self, from: &InstanceAddr, to: &InstanceAddr) -> Result<(), EditError> {
        check_move(from, to)?;
        if self.resource(to).is_some() {
            return Err(EditError::DestinationExists { to: to.clone() });
        }
        let Some(mut r) = self.remove_resource(from) else {
            return Err(EditError::NotFound { address: from.to_string() });
        };
        r.address = to.clone();
        self.upsert_resource(r);
        Ok(())
    }
}
