//! The API document, `GET /api/v1/openapi.json`, generated from the code so it cannot
//! drift from it: every request and reply schema is a Rust type's own (`utoipa`'s
//! `ToSchema`, which follows the types' serde attributes), the case steps' paths,
//! summaries and roles are the core's catalogue ([`Step`]), and the other routes are
//! one table here ([`routes`]). `web/openapi.json` is a checked-in copy for readers and
//! client generators; `tests/openapi.rs` fails when it differs from what this builds,
//! and rewrites it when run with `SENDPANEL_WRITE_OPENAPI=1`.
//!
//! Where the API shapes a body or an answer itself rather than taking or giving a core
//! type, the shape is a struct in `super::wire`, which the handler parses or returns
//! and this document describes: one definition for both.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use sendpanel_core::domain::{
    AgendaItem, AgendaItemId, CaseId, ChildId, Conflict, DeadlineException, PanelMember, Sitting,
    SittingId, Slug, StoredAdvice, UserRole, Vote,
};
use sendpanel_core::idempotency::{KEY_LIFETIME, MAX_KEY_CHARS};
use sendpanel_core::panel::{
    AddToAgenda, CastVote, CloseItem, Closed, DeclareConflict, Minutes, Papers, SITTING_ROLES,
    ScheduleSitting, SittingTally, WATCHING_ROLES,
};
use sendpanel_core::workflow::steps::WRITERS;
use sendpanel_core::workflow::{
    ArrangeNextStepsMeeting, CaseView, ClaimException, CompletePhaseTransfer, IssueFinalPlan,
    LodgeAppeal, NotifyMoveOut, PlanPhaseTransfer, ReceiveRequest, ReceiveTransferredPlan,
    RecordAdviceReceived, RecordMediationOutcome, RecordNextStepsOutcome, RecordOrderComplied,
    RecordTribunalDecision, RequestAdvice, RequestMediation, ScheduleReviewMeeting,
    SendTransferNotice, ServeDraftPlan, Step, TransferPlanOut,
};
use serde_json::json;
use utoipa::ToSchema;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::info::{InfoBuilder, LicenseBuilder};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayItems, ComponentsBuilder, ObjectBuilder, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{
    ContentBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr, Required, Response, Schema,
};

use super::MAX_BODY_BYTES;
use super::panels::CLERKS;
use super::wire::{
    AdviceReceivedReply, AllocatedReply, ApiErrorReply, AppealLodgedReply, AssessDecidedReply,
    Attendance, CommitmentsReply, DeadlineReply, DecisionBody, EducationSettingsReply,
    FinalPlanIssuedReply, IssueDecidedReply, IssueDecisionBody, MediationConcludedReply,
    MediationRequestedReply, MeetingArrangedReply, OnTimeReply, PhaseTransferCompletedReply,
    PlacementsReply, PlanTransferredOutReply, PresentReply, RequestLoggedReply, ReviewDecidedReply,
    ReviewDecisionBody, ReviewMeetingScheduledReply, Seat, SittingOpenedReply, SittingsReply,
    StageReply, TeamReply, TransitionsReply, TribunalDecidedReply,
};

/// The document, built afresh: what [`json`] serves, and what tests read.
pub fn document() -> OpenApi {
    build().0
}

/// The document as pretty JSON with a final newline, built once: the byte-for-byte
/// content of `web/openapi.json`. An error only if the document cannot be serialised.
pub fn json() -> Result<&'static str, &'static str> {
    static JSON: OnceLock<Result<String, String>> = OnceLock::new();
    JSON.get_or_init(|| {
        document()
            .to_pretty_json()
            .map(|text| text + "\n")
            .map_err(|e| format!("the API document did not serialise: {e}"))
    })
    .as_deref()
    .map_err(String::as_str)
}

/// Names given to two different schemas (two types called alike in different modules):
/// the document would describe one under the other's name. Empty when all is well; a
/// test checks it.
pub fn schema_name_clashes() -> Vec<String> {
    build().1
}

/// The description every client reads first: what the API covers and the rules every
/// call shares.
fn about() -> String {
    format!(
        "Requests for EHC needs assessments, the statutory clock, policy advice, panel \
         sittings (papers, conflicts, votes with a live tally, the chair's decision) and \
         decisions, for one local authority at a time. Every call needs `Authorization: \
         Bearer <token>` (`sendpanel user token EMAIL`); every query is scoped to the \
         caller's authority, so another authority's ids answer 404. Errors are \
         `{{\"error\": {{\"code\", \"field\", \"message\"}}}}`. Bodies over {} KiB are \
         refused with 413. Every POST takes an optional `Idempotency-Key` header: a repeat \
         with the same key and body gets the first answer (marked `Idempotent-Replayed: \
         true`) and changes nothing; see the header's description.",
        MAX_BODY_BYTES >> 10
    )
}

/// What the `Idempotency-Key` header does, as `super::idempotency` implements it.
fn idempotency_key() -> String {
    format!(
        "Optional (IETF draft-ietf-httpapi-idempotency-key-header): 1 to {MAX_KEY_CHARS} \
         visible ASCII characters, such as a UUID, new for each request; sent bare or as a \
         quoted string (`\"...\"`). A repeat from the same caller with the same key, method, \
         path and body (compared as JSON, so key order and spacing do not matter) gets the \
         first answer again, status and body byte for byte, with `Idempotent-Replayed: \
         true`, and changes nothing. The same key with another body, method or path is 422 \
         `idempotency_key_reused`; the same key while the first request is still being \
         answered is 409 `idempotency_key_in_use`; a malformed key is 400 \
         `invalid_header`; each names `Idempotency-Key` as the field. Keys are per \
         authority and caller and are remembered for {} hours from their first use. Only \
         successful (2xx) answers are kept: a refused request changed nothing, so its key \
         may be sent again with the corrected body. A request cut off part way keeps its \
         key (409) until it expires; read the case back before sending it under a new key.",
        KEY_LIFETIME.num_hours()
    )
}

/// Who may call a route, as its description says first.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Anyone, without a token: only the document itself.
    Public,
    /// Users holding one of these roles (more checks may follow, which the route's
    /// description gives).
    Roles(&'static [UserRole]),
}

/// The id a path names, as its `{id}` (or `{code}`) parameter.
#[derive(Debug, Clone, Copy)]
enum PathId {
    Case,
    Sitting,
    AgendaItem,
    Panel,
    Child,
}

/// One operation of the API, as the table lists it.
struct Route {
    method: HttpMethod,
    path: &'static str,
    summary: Cow<'static, str>,
    who: Who,
    /// What it does and when it refuses, after the sentence saying who may.
    detail: &'static str,
    id: Option<PathId>,
    body: Option<Body>,
    reply: Reply,
}

/// A request body.
struct Body {
    schema: RefOr<Schema>,
    required: bool,
    media_type: &'static str,
}

/// The successful answer.
struct Reply {
    status: u16,
    description: &'static str,
    media_type: &'static str,
    schema: Option<RefOr<Schema>>,
}

/// The schemas the document names, gathered as the table mentions them.
#[derive(Default)]
struct Schemas {
    named: BTreeMap<String, RefOr<Schema>>,
    clashes: Vec<String>,
}

impl Schemas {
    /// A reference to `T`'s schema, adding it and every schema it refers to.
    fn of<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let mut found = Vec::new();
        T::schemas(&mut found);
        found.push((T::name().into_owned(), T::schema()));
        for (name, schema) in found {
            self.add(name, schema);
        }
        Ref::from_schema_name(T::name()).into()
    }

    /// The `$ref` text for `T`'s schema, adding it: for the parameters, which this
    /// version of utoipa cannot give as references (see [`raw`]).
    fn pointer<T: ToSchema>(&mut self) -> String {
        self.of::<T>();
        format!("#/components/schemas/{}", T::name())
    }

    /// A reference to a JSON object described only in words, added under `name`: the
    /// policy contract's records, whose Rust types wasmtime generates from the WIT file
    /// (a derived schema would take its `date` record for a string, since utoipa reads
    /// any type named `Date` as one).
    fn described(&mut self, name: &str, description: &str) -> RefOr<Schema> {
        let schema = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(prose(description)))
            .into();
        self.add(name.to_owned(), schema);
        Ref::from_schema_name(name).into()
    }

    fn add(&mut self, name: String, mut schema: RefOr<Schema>) {
        tidy(&mut schema);
        match self.named.get(&name) {
            Some(known) if *known != schema => self.clashes.push(name),
            Some(_) => {}
            None => {
                self.named.insert(name, schema);
            }
        }
    }
}

/// Makes a schema's descriptions read as the API's prose: doc comments arrive wrapped
/// at 88 columns and with rustdoc's links (`[`Type`]`), which a reader of the API has
/// no rustdoc to follow.
fn tidy(schema: &mut RefOr<Schema>) {
    match schema {
        RefOr::Ref(reference) => tidy_text(&mut reference.description),
        RefOr::T(schema) => tidy_schema(schema),
    }
}

fn tidy_schema(schema: &mut Schema) {
    match schema {
        Schema::Object(object) => {
            object.description.iter_mut().for_each(tidy_text);
            object.properties.values_mut().for_each(tidy);
            if let Some(AdditionalProperties::RefOr(inner)) =
                object.additional_properties.as_deref_mut()
            {
                tidy(inner);
            }
        }
        Schema::Array(array) => {
            array.description.iter_mut().for_each(tidy_text);
            if let ArrayItems::RefOrSchema(inner) = &mut array.items {
                tidy(inner);
            }
            array.prefix_items.iter_mut().for_each(tidy_schema);
        }
        Schema::OneOf(one_of) => {
            one_of.description.iter_mut().for_each(tidy_text);
            one_of.items.iter_mut().for_each(tidy);
        }
        Schema::AllOf(all_of) => {
            all_of.description.iter_mut().for_each(tidy_text);
            all_of.items.iter_mut().for_each(tidy);
        }
        Schema::AnyOf(any_of) => {
            any_of.description.iter_mut().for_each(tidy_text);
            any_of.items.iter_mut().for_each(tidy);
        }
        _ => {}
    }
}

/// Unwraps each paragraph onto one line, writes rustdoc links as plain code, and says
/// `null` where the Rust says `None` (how an absent value is serialised).
fn tidy_text(text: &mut String) {
    *text = text
        .split("\n\n")
        .map(prose)
        .collect::<Vec<_>>()
        .join("\n\n")
        .replace("[`", "`")
        .replace("`]", "`")
        .replace("`None`", "`null`");
}

/// A JSON body of type `T`, required.
fn body<T: ToSchema>(schemas: &mut Schemas) -> Option<Body> {
    Some(Body {
        schema: schemas.of::<T>(),
        required: true,
        media_type: "application/json",
    })
}

/// An upload: the document's details as form fields, then the file, streamed.
fn upload_form() -> Option<Body> {
    let text = |description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description.to_owned()))
    };
    Some(Body {
        schema: ObjectBuilder::new()
            .property("kind", text("support_plan, ep_report, health_advice, social_care_advice, family_views, school_report or other"))
            .property("author_organisation", text("The organisation that wrote it"))
            .property("written_on", text("The day it was written, YYYY-MM-DD"))
            .property("areas", text("An area of need it evidences (communication_and_interaction, cognition_and_learning, social_emotional_and_mental_health, sensory_and_physical); send the field once per area"))
            .property("file", ObjectBuilder::new().schema_type(Type::String).format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Binary))).description(Some("The document, sent last; its type is read from its bytes".to_owned())))
            .required("kind")
            .required("author_organisation")
            .required("written_on")
            .required("file")
            .into(),
        required: true,
        media_type: "multipart/form-data",
    })
}

/// The contract's `request-facts` record, as graduated-response and next-steps advice
/// take it.
fn request_facts(schemas: &mut Schemas) -> Option<Body> {
    Some(Body {
        schema: schemas.described(
            "RequestFacts",
            "The WIT contract's `request-facts` record (`sendpanel:policy@1.1.0`, \
             `plugins/wit/policy.wit`) as JSON: everything a plugin may know about one \
             request, field names in snake_case. Every `evidence` list (of a need, a \
             support cycle, a professional) holds ids of documents on the case, uploaded \
             first (`POST /requests/{id}/evidence`): advice may cite only those. \
             `sendpanel plugin vectors FILE` prints examples.",
        ),
        required: true,
        media_type: "application/json",
    })
}

/// A JSON answer of type `T`.
fn reply<T: ToSchema>(schemas: &mut Schemas, status: u16, description: &'static str) -> Reply {
    Reply {
        status,
        description,
        media_type: "application/json",
        schema: Some(schemas.of::<T>()),
    }
}

/// The operations other than the case steps, in the order a reader meets them.
fn routes(s: &mut Schemas) -> Vec<Route> {
    vec![
        Route {
            method: HttpMethod::Get,
            path: "/openapi.json",
            summary: "This document".into(),
            who: Who::Public,
            detail: "The OpenAPI 3.1 description of this API, generated from the types it \
                     reads and answers with.",
            id: None,
            body: None,
            reply: Reply {
                status: 200,
                description: "OpenAPI 3.1",
                media_type: "application/json",
                schema: None,
            },
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests",
            summary: "Log a request for an EHC needs assessment".into(),
            who: Who::Roles(&WRITERS),
            detail: "Starts the statutory clock: the decision whether to assess is due 6 \
                     weeks from `received_on` (Reg 5(1)). A `received_on` in the future, a \
                     child over 25 when it was received, or a malformed UPN, NHS number or \
                     e-mail is 422 naming the field.",
            id: None,
            body: body::<ReceiveRequest>(s),
            reply: reply::<RequestLoggedReply>(s, 201, "Logged"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/requests/{id}",
            summary: "Read a request whole".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "Facts, stage, deadlines with their rule and status, policy advice with \
                     the plugin's hash, input and answer, decisions with who and why, the \
                     event history, the exceptions claimed on its limits and the letters \
                     sent. Not for panel members, who read a case through a sitting's \
                     papers. Each read is recorded in the access log (who, when, which \
                     case and child, this route).",
            id: Some(PathId::Case),
            body: None,
            reply: reply::<CaseView>(s, 200, "The case"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/caseload",
            summary: "One page of the authority's cases, searched and filtered".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "Each with its officer and next open deadline, flagged `overdue` or \
                     `at_risk` (due within 10 days), the soonest first; cases with nothing \
                     due come last. Query parameters, all optional: `q` (a name or part of \
                     one, a UPN, an NHS number, a date of birth, the start of a case \
                     reference, or an authority or imported reference), `stage` (open \
                     stages unless one is named; `closed` and `ceased` list those), \
                     `officer` (`me`, `unallocated` or a user id), `panel` (a panel id: \
                     cases on one of its agendas, undecided), `setting` (a setting type), \
                     `due` (`overdue`, `at_risk`, `this_week`), `year_group` (-2 to 14, 0 \
                     is Reception), `per_page` (1 to 200, default 50) and `after` (the \
                     `next` of the page before: keyset paging, stable while cases are \
                     added). A bad parameter is 422 naming it.",
            id: None,
            body: None,
            reply: reply::<sendpanel_core::caseload::CaseloadPage>(s, 200, "One page"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/team",
            summary: "Open, overdue and at-risk cases per officer".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "The busiest officer first, then the cases no officer holds.",
            id: None,
            body: None,
            reply: reply::<TeamReply>(s, 200, "The team's counts"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/transitions",
            summary: "Children with plans who change phase this school year and next".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "For each transfer (end of Year 2, Year 6 and Year 11, and Year 9's \
                     preparing-for-adulthood reviews), this school year's cohort and next \
                     year's: how many maintained plans, the day the plans must name the \
                     new setting (SEND Regulations 2014 reg 18: 15 February, or 31 March \
                     for post-16) and whether it has passed, and the `GET /caseload` \
                     parameters that list the children.",
            id: None,
            body: None,
            reply: reply::<TransitionsReply>(s, 200, "The cohorts"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/education-settings",
            summary: "The authority's register of education settings".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "By name: each setting's URN (where it has one), kind, and whether it \
                     is in the authority's area. Placement decisions name a setting from it.",
            id: None,
            body: None,
            reply: reply::<EducationSettingsReply>(s, 200, "The register"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/education-settings",
            summary: "Add a setting to the register".into(),
            who: Who::Roles(&sendpanel_core::placement::register::REGISTER_KEEPERS),
            detail: "A bad part is 422 naming its field (`name`, `urn`, `kind`, \
                     `in_area`); a URN already in the register is 422 on `urn`, naming the \
                     setting that holds it. Nothing is written when refused.",
            id: None,
            body: body::<sendpanel_core::placement::register::NewEducationSetting>(s),
            reply: reply::<sendpanel_core::domain::EducationSetting>(s, 201, "The setting added"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/reports/sen2",
            summary: "The DfE's SEN2 return for a census date, as its XML".into(),
            who: Who::Roles(&sendpanel_core::sen2::READERS),
            detail: "Query parameter `census` (`YYYY-MM-DD`; default the latest third \
                     Thursday of January): the person-level return made from the record as \
                     it stood that day. A child missing a mandatory item (sex, a UPN or the \
                     reason it is absent...) or breaking a rule is left out of the file; \
                     `/reports/sen2/report` lists them with the rules, and the items the \
                     record cannot fill. The element names and some code lists are our \
                     reading of the DfE specification, not confirmed against its XSD. A bad \
                     `census` is 422 naming it.",
            id: None,
            body: None,
            reply: Reply {
                status: 200,
                description: "The SEN2 file",
                media_type: "application/xml",
                schema: Some(ObjectBuilder::new().schema_type(Type::String).into()),
            },
        },
        Route {
            method: HttpMethod::Get,
            path: "/reports/sen2/report",
            summary: "What went into the SEN2 return for a census date".into(),
            who: Who::Roles(&sendpanel_core::sen2::READERS),
            detail: "The same query as `/reports/sen2`: records per module in the file, \
                     each child in scope but left out with every rule their record broke, \
                     and each item the record cannot fill with why and how many records.",
            id: None,
            body: None,
            reply: reply::<sendpanel_core::sen2::Sen2Report>(s, 200, "The report"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/allocation",
            summary: "Allocate the case to an officer, or take its officer off it".into(),
            who: Who::Roles(&sendpanel_core::workflow::lifecycle::CASEWORK),
            detail: "`officer` must be an enabled caseworker or admin of the authority (422 \
                     naming `officer` otherwise, or when it is the officer already). \
                     `expected_officer` is the officer the caller saw: when another \
                     allocation came first it no longer matches, and the answer is 409 \
                     with nothing changed. Each allocation is a `case_allocated` event with \
                     the officer before and after.",
            id: Some(PathId::Case),
            body: body::<sendpanel_core::workflow::AllocateCase>(s),
            reply: reply::<AllocatedReply>(s, 200, "Allocated"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/placement",
            summary: "Decide the setting the plan names (outside a sitting)".into(),
            who: Who::Roles(&sendpanel_core::placement::decision::PLACEMENT_DECIDERS),
            detail: "Once a draft plan is served or a plan issued (409 `wrong_stage` \
                     otherwise). `setting` must be in the authority's register (422 on \
                     `setting`); an independent setting needs `independent_justification` \
                     (422 naming it); `reasons` must be given; each share in pence must not \
                     be negative. `expected_latest` is the latest placement the caller saw: \
                     when another came first the answer is 409 with nothing changed. \
                     Recorded with a `placement_decided` event; never edited.",
            id: Some(PathId::Case),
            body: body::<sendpanel_core::placement::decision::DecidePlacement>(s),
            reply: reply::<sendpanel_core::domain::Placement>(s, 201, "The placement"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/requests/{id}/placements",
            summary: "The case's placements, the latest first".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "Each with its setting, first day, the family's preference, reasons \
                     and each service's share in pence a year.",
            id: Some(PathId::Case),
            body: None,
            reply: reply::<PlacementsReply>(s, 200, "The placements"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/advice/costed-banding",
            summary: "Banding advice with the plan's costed provision".into(),
            who: Who::Roles(sendpanel_core::workflow::Step::BandingAdvice.roles()),
            detail: "As `/requests/{id}/advice/banding`, with the mainstream plan's costed \
                     additional provision beside the band request (contract 1.1, \
                     `costed-banding`): what an authority that tops up mainstream plans \
                     above a threshold needs (Torbay: the costed provision above £6,000). \
                     A plugin built against contract 1.0 has no such function and answers \
                     the band request inside, recorded as `banding`. 409 `no_plugin` when \
                     none is in force.",
            id: Some(PathId::Case),
            body: Some(Body {
                schema: s.described(
                    "CostedBandRequest",
                    "The WIT contract's `costed-band-request` record \
                     (`sendpanel:policy@1.1.0`, `plugins/wit/policy.wit`) as JSON: \
                     `request`, a `band-request` as `/advice/banding` takes it, and \
                     `provision`: `yearly_cost` in pence and \
                     `support_tenths_per_week` when the plan says. Evidence ids in \
                     `request.facts` must be documents on the case (422 naming the field).",
                ),
                required: true,
                media_type: "application/json",
            }),
            reply: reply::<sendpanel_core::domain::StoredAdvice>(s, 201, "Advice recorded"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/funding",
            summary: "Commit a band and its funding for a placement (outside a sitting)".into(),
            who: Who::Roles(&sendpanel_core::placement::decision::PLACEMENT_DECIDERS),
            detail: "Once a draft plan is served or a plan issued (409 `wrong_stage` \
                     otherwise). `placement` must be recorded on the case; `advice` is \
                     banding advice the plugin gave on the case (422 on `advice` \
                     otherwise). Without `band` the advice's band and amounts are \
                     confirmed; a `band` that differs from the advice, or any band with no \
                     advice, needs `reasons` (422 naming it). Amounts are pence a year, \
                     never negative. `expected_latest` is the latest commitment the caller \
                     saw: when another came first the answer is 409 with nothing changed. \
                     A change of band is a new commitment from a later day; the ledger \
                     runs each until the next begins. Recorded with a `funding_committed` \
                     event; never edited. The panel that decides banding commits the same \
                     way at a sitting (a banding item's `funding`, `confirm_funding`).",
            id: Some(PathId::Case),
            body: body::<sendpanel_core::placement::funding::CommitFunding>(s),
            reply: reply::<sendpanel_core::domain::FundingCommitment>(s, 201, "The commitment"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/requests/{id}/funding",
            summary: "The case's band and funding commitments, the latest first".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "Each with its band, yearly place funding, top-up and other elements \
                     in pence, the advice and plugin it came from and whether it departs \
                     from it, and the days it runs.",
            id: Some(PathId::Case),
            body: None,
            reply: reply::<CommitmentsReply>(s, 200, "The commitments"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/funding-ledger",
            summary: "The funding ledger for a financial year".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "Query parameters `year` (`2023/24`; default the current financial \
                     year; 422 naming `year` when unreadable) and `model` (`bands`, the \
                     default, or `hours`: an authority moving between funding models has a \
                     ledger for each; 422 naming `model` for another). Every commitment on \
                     the model, by setting \
                     and band: places running on 1 April and 1 September (funded for 5/12 \
                     and 7/12 of the year), pupils at the January census before the year \
                     (topped up for the year), other per-place elements, each setting's \
                     total and the grand total in pence; the cost month by month, spent \
                     and forecast as commitments stand; and placements by who pays, \
                     independent and out of area. Names settings and bands, never a child.",
            id: None,
            body: None,
            reply: reply::<sendpanel_core::placement::ledger::FundingLedger>(s, 200, "The ledger"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/notes",
            summary: "Add a note of contact to the case".into(),
            who: Who::Roles(&sendpanel_core::workflow::lifecycle::CASEWORK),
            detail: "A call, e-mail, meeting, visit or letter with the family or a \
                     professional, on a day not in the future. The case's notes are read \
                     with the case (`GET /requests/{id}`, `notes`).",
            id: Some(PathId::Case),
            body: body::<sendpanel_core::workflow::NewCaseNote>(s),
            reply: reply::<sendpanel_core::domain::CaseNote>(s, 201, "The note as recorded"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/children/{id}/corrections",
            summary: "Correct one of a child's details".into(),
            who: Who::Roles(&sendpanel_core::workflow::lifecycle::CASEWORK),
            detail: "The value it replaces is kept with who corrected it, when and why, \
                     and a `child_details_corrected` event goes on each of the child's \
                     cases. `expected` is the value the caller saw: when someone else \
                     corrected it first, the answer is 409 with nothing changed. A value \
                     breaking its rule (a UPN's check letter, an NHS number's check digit), \
                     a UPN or reference another child holds, or clearing a detail the record \
                     needs is 422 naming `value`.",
            id: Some(PathId::Child),
            body: body::<sendpanel_core::workflow::CorrectChild>(s),
            reply: reply::<sendpanel_core::domain::ChildCorrection>(s, 201, "The correction"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/evidence",
            summary: "Add a document to the case as evidence".into(),
            who: Who::Roles(&sendpanel_core::documents::evidence::UPLOADERS),
            detail: "multipart/form-data: the details first, the file last, streamed to \
                     disk with a hard cap (25 MB unless the settings say otherwise; 413 \
                     beyond it). PDF, Word (.docx), OpenDocument (.odt), plain text, PNG and \
                     JPEG, the type read from the bytes: a file whose bytes are not what its \
                     name says, an encrypted PDF, an empty file, a name with folders in it, \
                     a HEIC photo, or (when a virus scanner is configured) an infected file \
                     is 422 naming `file` and the rule; nothing is stored. The same bytes \
                     already on the case are 422 naming the copy there; on another case they \
                     are kept once. Being idempotent by content, an upload takes no \
                     `Idempotency-Key` (400 naming it).",
            id: Some(PathId::Case),
            body: upload_form(),
            reply: reply::<sendpanel_core::domain::Evidence>(s, 201, "The document as recorded"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/requests/{id}/evidence",
            summary: "The case's documents".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "By the day each was written. Each `id` is what request facts cite as \
                     evidence.",
            id: Some(PathId::Case),
            body: None,
            reply: reply::<super::evidence::EvidenceReply>(s, 200, "The documents"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/requests/{id}/evidence/{document}",
            summary: "One document's bytes".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "Checked against the SHA-256 recorded when it was stored, and recorded \
                     in the access log. PDFs, images and text are `inline`, others \
                     `attachment`.",
            id: Some(PathId::Case),
            body: None,
            reply: Reply {
                status: 200,
                description: "The document, with its recorded media type",
                media_type: "application/octet-stream",
                schema: Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::Binary,
                        )))
                        .into(),
                ),
            },
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/advice-links",
            summary: "Ask a professional for advice, with a link to upload it".into(),
            who: Who::Roles(Step::RequestAdvice.roles()),
            detail: "Records the request for advice (SEND Regulations 2014 reg. 6(1)) and its \
                     own 6-week limit (reg. 8(1)), keeps the letter to the professional on \
                     the case and e-mails it with a single-use upload link, in one \
                     transaction. The link works until the end of the limit's last day; \
                     its token is in the e-mail only, never in this answer. Refused like \
                     `advice-requests` (not assessing, a date in the future), with 422 \
                     naming `recipient_name`, `recipient_email` or `question`; 404 when the \
                     service has no `public_url`.",
            id: Some(PathId::Case),
            body: body::<sendpanel_core::documents::NewAdviceLink>(s),
            reply: reply::<super::advice_links::AdviceLinkSentReply>(s, 201, "The link was sent"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/requests/{id}/advice-links",
            summary: "The case's advice links and their state".into(),
            who: Who::Roles(&sendpanel_core::access::CASE_READERS),
            detail: "Oldest first: whom each was asked of and when, the chasers sent (14 and \
                     7 days before the limit), when the advice came, whether it is overdue, \
                     and whether the link is waiting, used, expired or revoked.",
            id: Some(PathId::Case),
            body: None,
            reply: reply::<super::advice_links::AdviceLinksReply>(s, 200, "The links"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/advice-links/{link}/revoke",
            summary: "Withdraw an advice link".into(),
            who: Who::Roles(Step::RequestAdvice.roles()),
            detail: "The link accepts nothing from now on; the request's limit still runs. \
                     409 `link_closed` when it was already used or withdrawn.",
            id: Some(PathId::Case),
            body: None,
            reply: Reply {
                status: 204,
                description: "Withdrawn",
                media_type: "application/json",
                schema: None,
            },
        },
        Route {
            method: HttpMethod::Post,
            path: "/requests/{id}/tribunal-bundle",
            summary: "The Tribunal bundle for an appeal, as one PDF".into(),
            who: Who::Roles(&sendpanel_core::documents::tribunal::BUNDLE_MAKERS),
            detail: "For a case with an appeal lodged and not yet decided (422 naming \
                     `case` otherwise). One paginated PDF: an index, a divider per \
                     section, then section A (the decision under appeal), B (the other \
                     decisions with their reasons, and the letters sent), C (the family's \
                     views), D (the reports and advice), E (other), each in date order, \
                     every page stamped \"Page N of M\". Word and OpenDocument files are \
                     listed as attached separately. `documents` chooses which documents go \
                     in (all when absent); one not on the case is 422. `X-Page-Count` gives \
                     the pages. Recorded in the access log.",
            id: Some(PathId::Case),
            body: body::<sendpanel_core::documents::tribunal::BundleChoice>(s),
            reply: Reply {
                status: 200,
                description: "The bundle",
                media_type: "application/pdf",
                schema: Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::Binary,
                        )))
                        .into(),
                ),
            },
        },
        Route {
            method: HttpMethod::Post,
            path: "/transfers-in",
            summary: "Receive a plan transferred from another authority".into(),
            who: Who::Roles(&WRITERS),
            detail: "The child moved into the area with an EHC plan (SEND Regulations 2014 \
                     reg. 15). `original_request` is the request that led to the plan, \
                     checked as at intake. Opens a case at `plan_issued` with the notice to \
                     the family due 6 weeks after the transfer (reg. 15(4)) and the first \
                     review by the later of the last day of the 12 months beginning with the \
                     plan's issue or last review, and 3 months after the transfer (reg. \
                     15(5)). Dates out of order are 422 naming the field.",
            id: None,
            body: body::<ReceiveTransferredPlan>(s),
            reply: reply::<CaseView>(s, 201, "The new case, as `GET /requests/{id}` shows it"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/sittings",
            summary: "Arrange a sitting of a panel".into(),
            who: Who::Roles(&CLERKS),
            detail: "Records the sitting on a day not in the past with its members, each in \
                     the panel role they are seated in (`POST /panels/{code}/members`); one \
                     must sit as chair, who opens the sitting and records each decision. A \
                     `sitting_scheduled` event is written in the same transaction, and each \
                     member's invitation (with an `.ics` entry) is sent from it through the \
                     outbox. 422 names the field: an unknown panel (`not_configured`), a \
                     member without a seat or listed twice, no chair.",
            id: None,
            body: body::<ScheduleSitting>(s),
            reply: reply::<Sitting>(s, 201, "Scheduled"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/sittings",
            summary: "List sittings".into(),
            who: Who::Roles(&WATCHING_ROLES),
            detail: "Panel members and chairs see the sittings they have a seat at; \
                     caseworkers, admins and auditors see every sitting of the authority.",
            id: None,
            body: None,
            reply: reply::<SittingsReply>(s, 200, "The sittings"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/sittings/{id}",
            summary: "A sitting's agenda with the live tally".into(),
            who: Who::Roles(&WATCHING_ROLES),
            detail: "Each item with its proposal, status, the counts of each member's latest \
                     vote (a conflicted member's votes never count), every vote cast \
                     including changes, conflicts, the panel's view under its voting rule, \
                     and quorum by role as it stands (members present and free of \
                     conflicts; the roles `authority.toml` requires).",
            id: Some(PathId::Sitting),
            body: None,
            reply: reply::<SittingTally>(s, 200, "The tally"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/sittings/{id}/agenda",
            summary: "Put a case on a sitting's agenda".into(),
            who: Who::Roles(&CLERKS),
            detail: "Adds the case last, with the proposal members are asked to agree with, \
                     and an `agenda_item_added` event on the case. Refused (422, `case` or \
                     `proposal`) when the panel does not decide that kind, the case is not at \
                     a stage that takes it, the panel takes that kind only for young people \
                     (`young_people_only` in `authority.toml`) and the child is of \
                     compulsory school age, it is already on this agenda, or the papers \
                     deadline has passed (`papers_due_days_before` the sitting in \
                     `authority.toml`: 5 days for Torbay's SEN panel); 409 when the sitting \
                     has closed. A placement or post-16 item carries the `placement` \
                     proposed, a banding item the `funding` proposed (the body of \
                     `POST /requests/{id}/funding`, checked as that route checks it: 422 \
                     naming the field, 409 when `expected_latest` is stale); either one \
                     missing, or given on another kind of item, is 422 naming it.",
            id: Some(PathId::Sitting),
            body: body::<AddToAgenda>(s),
            reply: reply::<AgendaItem>(s, 201, "On the agenda"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/sittings/{id}/open",
            summary: "Open a sitting for votes".into(),
            who: Who::Roles(&SITTING_ROLES),
            detail: "Of them, only the member sitting as this sitting's chair, whatever their \
                     user role (403 `not_seated` otherwise). A scheduled sitting becomes open \
                     for votes and the chair is marked present; 409 when it is not waiting \
                     to open. No body.",
            id: Some(PathId::Sitting),
            body: None,
            reply: reply::<SittingOpenedReply>(s, 200, "Open"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/sittings/{id}/attendance",
            summary: "Join a sitting (mark a member present)".into(),
            who: Who::Roles(&SITTING_ROLES),
            detail: "With a seat at the sitting (403 `not_seated` otherwise). A member marks \
                     themself present; the sitting's chair may name another member. Presence \
                     counts towards quorum; voting also marks a member present. The body is \
                     optional: none means the caller.",
            id: Some(PathId::Sitting),
            body: Some(Body {
                schema: s.of::<Attendance>(),
                required: false,
                media_type: "application/json",
            }),
            reply: reply::<PresentReply>(
                s,
                200,
                "Present; `changed` is false when they already were",
            ),
        },
        Route {
            method: HttpMethod::Get,
            path: "/sittings/{id}/minutes",
            summary: "The minutes of a sitting".into(),
            who: Who::Roles(&WATCHING_ROLES),
            detail: "Generated from the record, not typed up: members, their roles and when \
                     they joined; for each item the child's initials, the proposal, \
                     conflicts declared and why, who opened the papers, each member's final \
                     vote and reason with how many times they changed it (every vote is \
                     recorded, as SI 1993/202 Sch 2 para 1 lets a member require), and how it \
                     closed. The read is recorded in the access log once for each case on \
                     the agenda.",
            id: Some(PathId::Sitting),
            body: None,
            reply: reply::<Minutes>(s, 200, "The minutes"),
        },
        Route {
            method: HttpMethod::Get,
            path: "/sittings/{id}/events",
            summary: "Follow a sitting's live tally (server-sent events)".into(),
            who: Who::Roles(&WATCHING_ROLES),
            detail: "A `text/event-stream`: an `event: tally` with the tally as it stands \
                     first, then one after every change (a member joining, a vote or change \
                     of vote, a conflict, an item added or closed), each the whole tally as \
                     `GET /sittings/{id}` returns it (`SittingTally`), so a watcher that \
                     falls behind takes the next. A keep-alive comment every 15 s. Changes \
                     reach watchers of the same process.",
            id: Some(PathId::Sitting),
            body: None,
            reply: Reply {
                status: 200,
                description: "The stream; each event's `data` is a SittingTally",
                media_type: "text/event-stream",
                schema: Some({
                    s.of::<SittingTally>();
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .description(Some(
                            "`event: tally` / `data: {SittingTally as JSON}`, see \
                             `#/components/schemas/SittingTally`",
                        ))
                        .into()
                }),
            },
        },
        Route {
            method: HttpMethod::Get,
            path: "/agenda-items/{id}/papers",
            summary: "Open an item's papers".into(),
            who: Who::Roles(&SITTING_ROLES),
            detail: "With a seat at the item's sitting and no conflict declared on the item \
                     (403 `not_seated` otherwise). The \
                     request, the statutory test in plain words (CFA s.36(8) for \
                     assessment) above the plugin's criteria with reasons and evidence, the \
                     deadlines, decisions so far and conflicts declared. Each opening is \
                     recorded with a `papers_opened` event (UK GDPR art. 22: the record shows \
                     the human review was real), listed in the minutes, and recorded in the \
                     access log.",
            id: Some(PathId::AgendaItem),
            body: None,
            reply: reply::<Papers>(s, 200, "The papers"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/agenda-items/{id}/conflict",
            summary: "Declare a conflict of interest on an item".into(),
            who: Who::Roles(&SITTING_ROLES),
            detail: "With a seat at the item's sitting (403 `not_seated` otherwise), while \
                     the sitting is open and the item pending (409). Recorded with a \
                     `conflict_declared` event; from then on the member cannot vote on the \
                     item, any vote they cast stops counting, and they do not count towards \
                     its quorum. Once per member per item (422, `reason`).",
            id: Some(PathId::AgendaItem),
            body: body::<DeclareConflict>(s),
            reply: reply::<Conflict>(s, 201, "Declared"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/agenda-items/{id}/votes",
            summary: "Vote on an item, or change a vote".into(),
            who: Who::Roles(&SITTING_ROLES),
            detail: "With a seat at the item's sitting and no conflict declared on it (403 \
                     `not_seated`), while the sitting is open and the item pending (409 \
                     `closed`). Agree, disagree or abstain, with a reason (422, `reason`). A \
                     change is a new vote: the latest counts and every earlier one is kept \
                     (`vote_cast` with `changed`). Voting marks the member present. The new \
                     tally goes to everyone following `/sittings/{id}/events`.",
            id: Some(PathId::AgendaItem),
            body: body::<CastVote>(s),
            reply: reply::<Vote>(s, 201, "Recorded"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/agenda-items/{id}/close",
            summary: "The chair closes an item: decides it or defers it".into(),
            who: Who::Roles(&SITTING_ROLES),
            detail: "Of them, only the member sitting as this sitting's chair, whatever their \
                     user role (403 `not_seated` otherwise), while the sitting is open and \
                     the item pending (409 `closed`). Without quorum by role the item is \
                     deferred, whatever the votes; so is a tie the panel's rule defers, or \
                     `decision: null`. Otherwise the chair's decision, with reasons (CFA \
                     s.36(5)), becomes the case's decision in the workflow in the same \
                     transaction (`agenda_item_closed`, then `decision_recorded`), moving its \
                     stage and setting its limits; a tie under the chair's casting vote is \
                     the chair's to decide. Departing from the majority needs \
                     `departure_reason` (422 naming it), as does departing from the plugin's \
                     advice; a decision of another kind is refused (422, `decision`); the \
                     workflow's own refusals apply (409 `conflict`, naming the case's stage \
                     and the last change recorded on it). `name_placement` records the \
                     proposed placement, and `confirm_funding` the proposed band and \
                     funding (`funding_committed`, with the family's letter), in the same \
                     transaction; a placement or commitment recorded on the case since the \
                     proposal makes that a 409 with nothing changed.",
            id: Some(PathId::AgendaItem),
            body: body::<CloseItem>(s),
            reply: reply::<Closed>(s, 200, "Decided or deferred"),
        },
        Route {
            method: HttpMethod::Post,
            path: "/panels/{code}/members",
            summary: "Seat a user on a panel in one of its roles".into(),
            who: Who::Roles(&[UserRole::Admin]),
            detail: "Who may sit on which panel is the authority's configuration. The role \
                     must be one the panel names in `authority.toml` (422, `role`); a panel \
                     the authority does not configure is 422 `not_configured`; a user of \
                     another authority is 404. Only seated users can be invited to the \
                     panel's sittings.",
            id: Some(PathId::Panel),
            body: body::<Seat>(s),
            reply: reply::<PanelMember>(s, 201, "Seated"),
        },
    ]
}

/// A case step's route: where the core's catalogue puts it, what it does as the
/// catalogue says it, and who may, with what it takes and answers.
fn step_route(step: Step, s: &mut Schemas) -> Route {
    use Step as S;
    let (body, reply, detail) = match step {
        S::GraduatedResponseAdvice => (
            request_facts(s),
            reply::<StoredAdvice>(s, 201, "Advice recorded"),
            "Graduated-response advice: runs the authority's plugin in force on the facts' \
             `as_at` date in its sandbox and records the advice, or why there is none, on the \
             case, with the plugin's SHA-256, the input and the answer. Advice never moves the \
             case. The body is the contract's `request-facts` record (`plugins/wit/policy.wit`; \
             `sendpanel plugin vectors FILE` prints examples). 422 naming the field \
             (`needs[0].evidence[1]`) when an evidence id is not a document on the case, \
             before any plugin runs, recording nothing. 409 `no_plugin` when no plugin is in \
             force on that date: people decide without advice.",
        ),
        S::DecisionToAssess => (
            body::<DecisionBody>(s),
            reply::<AssessDecidedReply>(s, 200, "Decided"),
            "The caller is recorded as the one who decides, with reasons (CFA s.36(5)); \
             departing from the plugin's recommendation needs `departure_reason`. On assess \
             the 16- and 20-week limits are set; on refusal the answer gives the family's \
             mediation and appeal dates.",
        ),
        S::ClaimException => (
            body::<ClaimException>(s),
            reply::<DeadlineException>(s, 201, "Recorded; the limit is disapplied"),
            "The caller is recorded as the one who claimed it. An exception never moves a \
             date: the limit is marked `disapplied` (neither overdue nor at risk) and the \
             record keeps the limb, evidence, dates and when the family was told. Only the \
             limbs the regulation lists for that limit are accepted: reg. 5(4) for \
             `decide_whether_to_assess` (school_closure, personal_circumstances, \
             absence_from_area); reg. 8(2) for `advice_due` (personal_circumstances, \
             absence_from_area, missed_appointment); reg. 10(4), and 13(3) applying it, for \
             `decide_not_to_issue` and `final_plan` (school_closure, early_years_closure, \
             personal_circumstances, absence_from_area). Annual reviews, phase transfers and \
             amendments have none. The limit must be open; an absence with `applies_to` must \
             span at least 28 days counting both ends; `family_told_on` may be neither in the \
             future nor before `applies_from`.",
        ),
        S::RequestAdvice => (
            body::<RequestAdvice>(s),
            reply::<DeadlineReply>(
                s,
                201,
                "Recorded; `deadline` is the new advice_due limit, its `subject` the source",
            ),
            "While the case is being assessed (409 otherwise). Each request runs its own \
             6-week limit from `requested_on` (SEND Regulations 2014 reg. 8(1)); several may \
             be open at once. `requested_on` may not be in the future or before the decision \
             to assess (422).",
        ),
        S::AdviceReceived => (
            body::<RecordAdviceReceived>(s),
            reply::<AdviceReceivedReply>(
                s,
                200,
                "Recorded; `deadline` (now met) and `within_six_weeks`",
            ),
            "Marks the oldest open advice_due limit for that source met and says whether the \
             advice came within 6 weeks (reg. 8(1)). 422 naming `from` when no request to \
             that source is open, or `received_on` when it is in the future or before the \
             request.",
        ),
        S::DecisionToIssue => (
            body::<IssueDecisionBody>(s),
            reply::<IssueDecidedReply>(s, 200, "Decided"),
            "The caller is recorded as the one who decides, with reasons, while the case is \
             being assessed (CFA s.37(1); reg. 10). The 16-week limit is settled. `issue` \
             moves the case to `draft_plan`; `do_not_issue` moves it to `not_to_issue`, \
             settles the 20-week final plan limit (no plan will follow) and gives the \
             family's mediation and appeal dates.",
        ),
        S::DraftPlan => (
            body::<ServeDraftPlan>(s),
            reply::<DeadlineReply>(
                s,
                201,
                "Recorded; `deadline` is the representations_due limit",
            ),
            "At stage `draft_plan` (409 otherwise). Sets the representations limit, the last \
             of 15 days beginning with `served_on` (reg. 13(1)). A second service, a future \
             day or one before the decision to issue is refused (422, `served_on`).",
        ),
        S::FinalPlan => (
            body::<IssueFinalPlan>(s),
            reply::<FinalPlanIssuedReply>(
                s,
                200,
                "Issued; `stage`, `within_twenty_weeks` and the `annual_review` limit",
            ),
            "At stage `draft_plan` once the draft is served. The family may respond before \
             their 15 days are up, so the plan may be issued sooner, but not before the draft \
             was served or in the future (422, `issued_on`). Settles the 20-week limit (reg. \
             13(2)), moves the case to `plan_issued` and sets the first annual review, the \
             last day of the 12 months starting with `issued_on` (CFA s.44(1)).",
        ),
        S::ReviewMeeting => (
            body::<ScheduleReviewMeeting>(s),
            reply::<ReviewMeetingScheduledReply>(
                s,
                201,
                "Scheduled; the `papers`, `report` and `decision` limits",
            ),
            "At stage `plan_issued`, while no other review meeting awaits its decision. The \
             meeting may be in the future but not before the plan was issued (422, \
             `meeting_on`). Sets the papers limit, 14 days before the meeting (SEND \
             Regulations 2014 reg. 20(3)-(4), 21), the report limit, 2 weeks after (reg. \
             20(7)), and the decision limit, 4 weeks after (reg. 20(10)).",
        ),
        S::ReviewDecision => (
            body::<ReviewDecisionBody>(s),
            reply::<ReviewDecidedReply>(s, 200, "Decided"),
            "The caller is recorded as the one who decides, with reasons, at stage \
             `plan_issued` once a review meeting is scheduled, not before the meeting or in \
             the future (422, `decided_on`) (reg. 20(10)). The review's limits and the \
             current annual review are settled. `maintain` and `amend` set the next annual \
             review, the last day of the 12 months starting with `decided_on` (CFA s.44(1)); \
             `amend` also sets the amended plan's limit, 8 weeks from the proposals sent \
             with the decision (reg. 22(3)); `cease` moves the case to `ceased`. `maintain` \
             and `cease` give the family's mediation and appeal dates. The decision is \
             recorded with kind `annual_review` and outcome `agreed`; the choice is \
             `choice`.",
        ),
        S::NextStepsAdvice => (
            request_facts(s),
            reply::<StoredAdvice>(s, 201, "Advice recorded"),
            "Next-steps advice: after a refusal to assess, asks the authority's plugin in \
             force for its next-steps meeting plan (who meets the family and within how many \
             working days); stored on the case with the plugin's SHA-256, input and output, \
             and used by the refusal letter. The body is the contract's `request-facts` \
             record; 422 naming the field when an evidence id is not a document on the case. \
             409 `no_plugin` when none is in force.",
        ),
        S::NextStepsMeeting => (
            body::<ArrangeNextStepsMeeting>(s),
            reply::<MeetingArrangedReply>(s, 201, "`arranged`"),
            "At stage `assessment_refused`. Records the meeting (day, start time, place, who \
             the family will meet); the family's invitation letter is stored on the case and \
             e-mailed with a calendar entry in the same transaction. A day in the past, an \
             empty place or nobody named is 422 naming the field.",
        ),
        S::NextStepsOutcome => (
            body::<RecordNextStepsOutcome>(s),
            reply::<StageReply>(s, 200, "Recorded; the case's stage"),
            "`moved_to_assessment` moves the case to assessment and sets the 16- and 20-week \
             limits from the original request; the family's mediation and appeal dates never \
             move.",
        ),
        S::BandingAdvice => (
            Some(Body {
                schema: s.described(
                    "BandRequest",
                    "The WIT contract's `band-request` record (`sendpanel:policy@1.1.0`, \
                     `plugins/wit/policy.wit`) as JSON: the request facts, the placement's \
                     setting and place type, any hours of support and the funded period. \
                     Evidence ids in `facts` must be documents on the case (422 naming the \
                     field, e.g. `facts.needs[0].evidence[0]`, otherwise). \
                     `sendpanel plugin vectors FILE` prints examples.",
                ),
                required: true,
                media_type: "application/json",
            }),
            reply::<StoredAdvice>(s, 201, "Advice recorded"),
            "Banding advice: asks the authority's plugin in force on the facts' date for the \
             band and yearly top-up of a placement (the `band-request` record of the WIT \
             contract `sendpanel:policy@1.1.0`: the request facts, place type, setting and \
             the funded period); the answer is stored on the case with the plugin's SHA-256, \
             the input and the output, and returned. 409 `no_plugin` when none is in force: \
             people decide without advice.",
        ),
        S::RequestMediation => (
            body::<RequestMediation>(s),
            reply::<MediationRequestedReply>(s, 201, "`mediation_by`"),
            "`decision` must be a decision on this case. Sets the authority's limit to hold \
             mediation: 30 days from being told (SEND Regulations 2014 regs. 36-37). One open \
             mediation at a time.",
        ),
        S::RecordMediationOutcome => (
            body::<RecordMediationOutcome>(s),
            reply::<MediationConcludedReply>(s, 200, "`within_thirty_days` and `appeal_by`"),
            "With a mediation open. Marks the 30-day limit met; the answer gives the family's \
             appeal date: 2 months from the notice or 1 month from the certificate, whichever \
             is later (Tribunal rule 20), moved off Christmas and August and off any other day \
             that is not a working day (Tribunal rule 12).",
        ),
        S::LodgeAppeal => (
            body::<LodgeAppeal>(s),
            reply::<AppealLodgedReply>(s, 201, "`appeal_by` and `in_time`"),
            "`decision` must be a decision on this case; one pending appeal at a time. The \
             answer gives the family's last day (Tribunal rule 20) and whether the appeal came \
             by it; a late appeal is recorded as late.",
        ),
        S::RecordTribunalDecision => (
            body::<RecordTribunalDecision>(s),
            reply::<TribunalDecidedReply>(s, 200, "`stage` and `steps` with their `due_on`"),
            "With an appeal pending. `order` is required exactly when `outcome` is \
             `ordered`. Each order sets the steps reg. 44(2) gives it as `tribunal_order` \
             deadlines named by `subject`: assess (notify 2 weeks, decide not to issue 10, \
             final plan 14; a refused case moves to `assessing`), make_plan (draft 5, final \
             11), reconsider (2), amend_provision (5), change_setting (2), \
             continue_to_maintain (at once; a ceased plan is restored), continue_and_amend \
             (amended plan 5).",
        ),
        S::ComplyWithOrder => (
            body::<RecordOrderComplied>(s),
            reply::<OnTimeReply>(s, 200, "`on_time`"),
            "`step` names an open step (422 lists those open). Marks it met; the answer says \
             whether on time.",
        ),
        S::PlanPhaseTransfer => (
            body::<PlanPhaseTransfer>(s),
            reply::<DeadlineReply>(s, 201, "`deadline`"),
            "At `plan_issued`, one transfer at a time. Sets the reg. 18 limit: 15 February of \
             `transfer_year` for a move between school phases, 31 March for secondary to \
             post-16. The year must be from this year to 20 years ahead.",
        ),
        S::CompletePhaseTransfer => (
            body::<CompletePhaseTransfer>(s),
            reply::<PhaseTransferCompletedReply>(s, 200, "`due_on` and `on_time`"),
            "With a phase transfer planned. Marks the reg. 18 limit met (it has no \
             exceptions); the answer says whether on time. `next_setting` must not be blank.",
        ),
        S::NotifyMoveOut => (
            body::<NotifyMoveOut>(s),
            reply::<DeadlineReply>(s, 201, "`deadline`"),
            "At `plan_issued`. Sets the reg. 15(2) limit for sending the plan to the new \
             authority: the day of the move, or the 15th working day beginning with the day \
             the authority became aware of it, whichever is later. `to_authority` must not be \
             blank.",
        ),
        S::TransferPlanOut => (
            body::<TransferPlanOut>(s),
            reply::<PlanTransferredOutReply>(s, 200, "`stage` (closed), `due_on` and `on_time`"),
            "After a move out is recorded. Marks the reg. 15(2) limit met and closes the case \
             here.",
        ),
        S::SendTransferNotice => (
            body::<SendTransferNotice>(s),
            reply::<OnTimeReply>(s, 200, "`on_time`"),
            "On a case transferred in with its notice still open. Marks the reg. 15(4) limit \
             met; the answer says whether on time.",
        ),
        S::WithdrawRequest => (
            body::<sendpanel_core::workflow::WithdrawRequest>(s),
            reply::<StageReply>(s, 200, "`stage` (closed)"),
            "Before a final plan is issued. `withdrawn_on` may not be in the future or \
             before the request was received; `reason` is the family's, 1 to 1000 \
             characters. The case closes; its history and open limits stay on the record.",
        ),
    };
    Route {
        method: HttpMethod::Post,
        path: step.api_path(),
        summary: capitalised(step.doing()).into(),
        who: Who::Roles(step.roles()),
        detail,
        id: Some(PathId::Case),
        body,
        reply,
    }
}

/// `text` with its first letter in capitals, as a summary starts.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The users of a role, as a sentence names them.
fn plural(role: UserRole) -> &'static str {
    match role {
        UserRole::Caseworker => "caseworkers",
        UserRole::PanelMember => "panel members",
        UserRole::PanelChair => "panel chairs",
        UserRole::Admin => "admins",
        UserRole::Auditor => "auditors",
    }
}

/// The sentence that opens a description: who may call the route.
fn who_may(who: Who) -> Option<String> {
    match who {
        Who::Public => None,
        Who::Roles(roles) => {
            let names: Vec<&str> = roles.iter().copied().map(plural).collect();
            let list = match names.split_last() {
                Some((last, [])) => (*last).to_owned(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => "nobody".to_owned(),
            };
            let only = if roles.len() == 1 { " only" } else { "" };
            Some(format!("{}{only}.", capitalised(&list)))
        }
    }
}

/// Folds the table's line continuations (`\` then indentation) into single spaces.
fn prose(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A parameter or other object this version of utoipa cannot express (a `$ref` to a
/// shared parameter; the `parameters` section of the components), written as the JSON
/// it should be. Extensions are flattened into their object; each holds one key, so
/// the document's key order stays fixed.
fn raw(key: &str, value: serde_json::Value) -> Extensions {
    [(key.to_owned(), value)].into_iter().collect()
}

/// The path parameter `id` names.
fn path_parameter(id: PathId, s: &mut Schemas) -> serde_json::Value {
    let (name, schema, description) = match id {
        PathId::Case => ("id", s.pointer::<CaseId>(), "The request's (case's) id."),
        PathId::Sitting => ("id", s.pointer::<SittingId>(), "The sitting's id."),
        PathId::AgendaItem => ("id", s.pointer::<AgendaItemId>(), "The agenda item's id."),
        PathId::Child => ("id", s.pointer::<ChildId>(), "The child's id."),
        PathId::Panel => (
            "code",
            s.pointer::<Slug>(),
            "The panel's code in the authority's `authority.toml` (`sen-panel`, `ipop`).",
        ),
    };
    json!({
        "name": name,
        "in": "path",
        "required": true,
        "description": description,
        "schema": { "$ref": schema },
    })
}

/// The shared error answer's reference.
fn error() -> RefOr<Response> {
    Ref::from_response_name("Error").into()
}

/// The operation the table's entry describes.
fn operation(route: Route, s: &mut Schemas) -> utoipa::openapi::path::Operation {
    let post = matches!(route.method, HttpMethod::Post);
    let description = match who_may(route.who) {
        Some(who) => format!("{who} {}", prose(route.detail)),
        None => prose(route.detail),
    };
    let mut answer = ResponseBuilder::new().description(route.reply.description);
    if let Some(schema) = route.reply.schema {
        answer = answer.content(
            route.reply.media_type,
            ContentBuilder::new().schema(Some(schema)).build(),
        );
    }
    if post {
        answer = answer.header(
            "Idempotent-Replayed",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(["true"])),
                )
                .description(Some(
                    "`true` when this is the first answer to an earlier request with the same \
                     `Idempotency-Key`, given again; nothing was changed by this request.",
                ))
                .build(),
        );
    }
    let mut builder = OperationBuilder::new()
        .summary(Some(route.summary))
        .description(Some(description))
        .response(route.reply.status.to_string(), answer.build());
    let mut parameters = Vec::new();
    if let Some(id) = route.id {
        parameters.push(path_parameter(id, s));
    }
    // A second id in the path (a document, a link) names the thing within the case.
    for name in route
        .path
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
        .filter(|name| !matches!(*name, "id" | "code"))
    {
        parameters.push(json!({
            "name": name,
            "in": "path",
            "required": true,
            "description": format!("The {name}'s id (a UUID)."),
            "schema": { "type": "string" },
        }));
    }
    if post {
        parameters.push(json!({ "$ref": "#/components/parameters/IdempotencyKey" }));
    }
    if let Some(body) = route.body {
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    body.media_type,
                    ContentBuilder::new().schema(Some(body.schema)).build(),
                )
                .required(Some(if body.required {
                    Required::True
                } else {
                    Required::False
                }))
                .build(),
        ));
        // The body limit (`MAX_BODY_BYTES`).
        builder = builder.response("413", error());
    }
    if !matches!(route.who, Who::Public) {
        builder = builder
            .securities(Some([SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            )]))
            .response("401", error())
            .response("403", error())
            .response("503", error());
        // An id in the path, or in a body, of nothing in the caller's authority.
        if route.id.is_some() || post {
            builder = builder.response("404", error());
        }
        if post {
            // A malformed, in-use or reused `Idempotency-Key`; and the command's own
            // refusals (a field that breaks a rule, a case not at the stage).
            builder = builder
                .response("400", error())
                .response("409", error())
                .response("422", error());
        }
    } else {
        builder = builder.securities(Some(Vec::<SecurityRequirement>::new()));
    }
    if !parameters.is_empty() {
        builder = builder.extensions(Some(raw("parameters", parameters.into())));
    }
    builder.build()
}

/// `DeadlineException` is serialised by its own `Serialize`, which adds the provision
/// relied on (`citation`, worked out from the limb and the limit) to the struct's
/// fields: the derived schema has the fields, and this adds the one it cannot see.
fn add_citation(s: &mut Schemas) {
    let Some(RefOr::T(Schema::Object(object))) =
        s.named.get_mut(DeadlineException::name().as_ref())
    else {
        return;
    };
    let citation: RefOr<Schema> = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .description(Some(
            "The provision relied on, e.g. `SEND Regulations 2014 reg. 10(4)(c)`; null only \
             for a pairing of limb and limit the regulations do not allow, which is never \
             recorded.",
        ))
        .into();
    let fields = std::mem::take(&mut object.properties);
    for (name, schema) in fields {
        let after_limb = name == "limb";
        object.properties.insert(name, schema);
        if after_limb {
            object
                .properties
                .insert("citation".to_owned(), citation.clone());
        }
    }
    object.required.push("citation".to_owned());
}

/// The document and any schema names that clash.
fn build() -> (OpenApi, Vec<String>) {
    let mut s = Schemas::default();
    let mut table = routes(&mut s);
    table.extend(Step::ALL.into_iter().map(|step| step_route(step, &mut s)));
    let mut paths = PathsBuilder::new();
    for route in table {
        let path = route.path;
        let method = route.method.clone();
        paths = paths.path(path, PathItem::new(method, operation(route, &mut s)));
    }
    let error_body = s.of::<ApiErrorReply>();
    add_citation(&mut s);
    let mut components = ComponentsBuilder::new()
        .response(
            "Error",
            ResponseBuilder::new()
                .description("An error naming the field and the rule")
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(error_body)).build(),
                ),
        )
        .security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        )
        .extensions(Some(raw(
            "parameters",
            json!({
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "description": prose(&idempotency_key()),
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        // The key, and the quotes around it.
                        "maxLength": MAX_KEY_CHARS + 2,
                        "pattern": "^[!-~]+$",
                    },
                    "example": "8e03978e-40d5-43e8-bc93-6894a57f9324",
                }
            }),
        )));
    for (name, schema) in std::mem::take(&mut s.named) {
        components = components.schema(name, schema);
    }
    let info = InfoBuilder::new()
        .title("sendpanel API")
        .version("1.0.0")
        .description(Some(prose(&about())))
        .license(Some(
            LicenseBuilder::new()
                .name("AGPL-3.0-only")
                .identifier(Some("AGPL-3.0-only"))
                .build(),
        ))
        .build();
    let document = OpenApiBuilder::new()
        .info(info)
        .servers(Some([Server::new("/api/v1")]))
        .paths(paths.build())
        .components(Some(components.build()))
        .build();
    (document, s.clashes)
}
