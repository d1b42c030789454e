//! Builders for request facts and criteria, so test vectors and plugins read like the
//! policy they encode rather than like nested struct literals.

use crate::types::{
    AreaOfNeed, AsqScore, Attainment, Criterion, CycleOutcome, Date, Involvement, Need, NeedLevel,
    Professional, RequestFacts, Requester, SettingType, SupportCycle,
};

/// Request facts for a test vector, with neutral defaults (a Year 3 child in mainstream,
/// requested by a parent, no needs or history yet).
#[derive(Debug, Clone)]
pub struct FactsBuilder {
    facts: RequestFacts,
}

impl FactsBuilder {
    /// Facts as at `as_at`, the request received the same day.
    pub fn new(as_at: Date) -> Self {
        Self {
            facts: RequestFacts {
                as_at,
                received: as_at,
                requested_by: Requester::Parent,
                age_years: 7,
                age_months: 6,
                nc_year: 3,
                setting: SettingType::Mainstream,
                needs: Vec::new(),
                support_cycles: Vec::new(),
                professionals: Vec::new(),
                attainment: Vec::new(),
                attendance_percent: None,
                developmental_screening: Vec::new(),
            },
        }
    }

    /// The day the request was received (defaults to the as-at date).
    pub fn received(mut self, on: Date) -> Self {
        self.facts.received = on;
        self
    }

    /// Who asked: the parent, the young person, or the setting.
    pub fn requested_by(mut self, who: Requester) -> Self {
        self.facts.requested_by = who;
        self
    }

    /// Age in years and months, and national curriculum year.
    pub fn age(mut self, years: u8, months: u8, nc_year: i8) -> Self {
        self.facts.age_years = years;
        self.facts.age_months = months;
        self.facts.nc_year = nc_year;
        self
    }

    /// The kind of setting the child attends.
    pub fn setting(mut self, setting: SettingType) -> Self {
        self.facts.setting = setting;
        self
    }

    /// An area of need at a level, with the ids of the documents that evidence it.
    pub fn need(mut self, area: AreaOfNeed, level: NeedLevel, evidence: &[&str]) -> Self {
        self.facts.needs.push(Need {
            area,
            level,
            evidence: strings(evidence),
        });
        self
    }

    /// One assess-plan-do-review cycle; `ended` is `None` while it runs.
    pub fn cycle(
        mut self,
        area: AreaOfNeed,
        started: Date,
        ended: Option<Date>,
        outcome: CycleOutcome,
        cost: i64,
        evidence: &[&str],
    ) -> Self {
        self.facts.support_cycles.push(SupportCycle {
            started,
            ended,
            area,
            outcome,
            cost,
            evidence: strings(evidence),
        });
        self
    }

    /// A professional involved since `started`, last seen on `last_contact`.
    pub fn professional(
        mut self,
        who: Professional,
        started: Date,
        last_contact: Option<Date>,
        evidence: &[&str],
    ) -> Self {
        self.facts.professionals.push(Involvement {
            who,
            started,
            last_contact,
            evidence: strings(evidence),
        });
        self
    }

    /// Months behind age-related expectations in a subject (negative when ahead).
    pub fn attainment(mut self, subject: &str, months_behind: i32) -> Self {
        self.facts.attainment.push(Attainment {
            subject: subject.to_owned(),
            months_behind,
        });
        self
    }

    /// Attendance this year, as a percentage of possible sessions.
    pub fn attendance(mut self, percent: u8) -> Self {
        self.facts.attendance_percent = Some(percent);
        self
    }

    /// One ASQ-3 domain score, for under-5s.
    pub fn screening(mut self, score: AsqScore) -> Self {
        self.facts.developmental_screening.push(score);
        self
    }

    /// The facts.
    pub fn build(self) -> RequestFacts {
        self.facts
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A criterion the evidence meets, with the reason a parent will read.
pub fn criterion_met(id: &str, title: &str, reason: String, evidence: Vec<String>) -> Criterion {
    Criterion {
        id: id.to_owned(),
        title: title.to_owned(),
        met: true,
        reason,
        evidence,
    }
}

/// A criterion the evidence does not meet, with the reason a parent will read.
pub fn criterion_not_met(
    id: &str,
    title: &str,
    reason: String,
    evidence: Vec<String>,
) -> Criterion {
    Criterion {
        id: id.to_owned(),
        title: title.to_owned(),
        met: false,
        reason,
        evidence,
    }
}
