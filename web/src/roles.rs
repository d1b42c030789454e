//! Who may do what on a case, by user role: one list for the JSON API and the pages,
//! so a caseworker cannot do through a form what the API refuses them, nor the other
//! way round. Panels have their own lists in `sendpanel_core::panel` (who sits, who
//! watches); the core checks each sitting's seats.

use sendpanel_core::domain::UserRole;

/// Those who log requests and record the casework: advice sought and received,
/// plans drafted and issued, review meetings.
pub const WRITERS: [UserRole; 2] = [UserRole::Caseworker, UserRole::Admin];

/// Those who record what happened on a case around a decision: meetings with the
/// family, their outcomes, exceptions to a time limit.
pub const CASE_OFFICERS: [UserRole; 3] =
    [UserRole::Caseworker, UserRole::PanelChair, UserRole::Admin];

/// Those who record the authority's decisions (to assess, to issue, after a review)
/// outside a sitting: the panel decides, so its chair, or an admin recording a decision
/// made elsewhere. Caseworkers prepare the papers; they do not decide.
pub const DECIDERS: [UserRole; 2] = [UserRole::PanelChair, UserRole::Admin];
