//! What a command needs beyond its own input, built once: the store, the calendar and
//! the clock ([`Services`]), and who acts ([`Actor`]). A caller (an API handler, a
//! page, the CLI) builds an `Actor` once per request and hands both to
//! [`Services::run`], instead of threading a database, a scope, bank holidays and a
//! clock through every call.

use std::sync::Arc;

use crate::clock::BankHolidays;
use crate::domain::{CaseId, UserId, UserRole};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;
use crate::workflow::{CaseCommand, WorkflowError};

/// The shared parts every command runs with. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    /// The store.
    pub db: Database,
    /// England's bank holidays, for limits counted in working days.
    pub holidays: Arc<BankHolidays>,
    /// The clock: the system's, or a fixed one in tests.
    pub clock: Arc<dyn Clock>,
}

/// Who acts: a signed-in user of one authority, with their role. Everything they do
/// is scoped to that authority, and the role limits which steps they may record.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user.
    pub user: UserId,
    /// Their role.
    pub role: UserRole,
    /// Their authority: the only one they can read or write.
    pub scope: AuthorityScope,
}

impl Services {
    /// Runs `command` on `case` for `actor`, in one transaction that takes the case
    /// first ([`crate::workflow`]'s executor): refused, changing nothing, when the
    /// actor's role may not record the step (the core's catalogue says who may), when
    /// the case is not the actor's authority's, or when the command refuses.
    pub fn run<C: CaseCommand>(
        &self,
        actor: &Actor,
        case: CaseId,
        command: &C,
    ) -> Result<C::Outcome, WorkflowError> {
        let step = C::STEP;
        if !step.allows(actor.role) {
            return Err(WorkflowError::NotAllowed {
                role: actor.role,
                doing: step.doing(),
            });
        }
        crate::workflow::run_as(
            &self.db,
            &actor.scope,
            case,
            command,
            actor.user,
            &self.holidays,
            self.clock.as_ref(),
        )
    }
}
