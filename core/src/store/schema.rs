//! The tables, in types both SQLite and PostgreSQL share (Vaultwarden's one-schema idea).
//! Hand-kept beside `migrations/`; the schema tests prove the two agree on both backends.

diesel::table! {
    authorities (id) {
        id -> Text,
        name -> Text,
        la_number -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        authority_id -> Text,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        last_sign_in_at -> Nullable<Timestamp>,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        deadline_digest -> Bool,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        authority_id -> Text,
        user_id -> Text,
        token_sha256 -> Text,
        label -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    children (id) {
        id -> Text,
        authority_id -> Text,
        given_name -> Text,
        family_name -> Text,
        date_of_birth -> Date,
        upn -> Nullable<Text>,
        nhs_number -> Nullable<Text>,
        created_at -> Timestamp,
        authority_reference -> Nullable<Text>,
        sex -> Nullable<Text>,
        ethnicity -> Nullable<Text>,
        postcode -> Nullable<Text>,
        search_name -> Text,
    }
}

diesel::table! {
    requests (id) {
        id -> Text,
        authority_id -> Text,
        child_id -> Text,
        received_on -> Date,
        requested_by -> Text,
        requester -> Text,
        setting_type -> Text,
        primary_need -> Text,
        summary -> Text,
        logged_at -> Timestamp,
        contact_email -> Nullable<Text>,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        authority_id -> Text,
        child_id -> Text,
        request_id -> Text,
        stage -> Text,
        opened_at -> Timestamp,
        officer_id -> Nullable<Text>,
        next_due_on -> Date,
        closed_on -> Nullable<Date>,
        closed_reason -> Nullable<Text>,
        reopen_stage -> Nullable<Text>,
        external_reference -> Nullable<Text>,
        setting_name -> Nullable<Text>,
    }
}

diesel::table! {
    panels (id) {
        id -> Text,
        authority_id -> Text,
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    panel_members (id) {
        id -> Text,
        authority_id -> Text,
        panel_id -> Text,
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    sittings (id) {
        id -> Text,
        authority_id -> Text,
        panel_id -> Text,
        sits_on -> Date,
        status -> Text,
        starts_at -> Text,
        location -> Text,
    }
}

diesel::table! {
    agenda_items (id) {
        id -> Text,
        authority_id -> Text,
        sitting_id -> Text,
        case_id -> Text,
        position -> Integer,
        decision_kind -> Text,
        status -> Text,
        proposal -> Nullable<Text>,
    }
}

diesel::table! {
    votes (id) {
        id -> Text,
        authority_id -> Text,
        agenda_item_id -> Text,
        user_id -> Text,
        choice -> Text,
        reason -> Text,
        cast_at -> Timestamp,
    }
}

diesel::table! {
    decisions (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        agenda_item_id -> Nullable<Text>,
        kind -> Text,
        outcome -> Text,
        reasons -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
        choice -> Nullable<Text>,
    }
}

diesel::table! {
    deadlines (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        kind -> Text,
        due_on -> Date,
        status -> Text,
        subject -> Nullable<Text>,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        kind -> Text,
        title -> Text,
        media_type -> Text,
        content -> Binary,
        sha256 -> Text,
        template_version -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Nullable<Text>,
        case_sequence -> Nullable<BigInt>,
        kind -> Text,
        schema_version -> Integer,
        payload -> Text,
        actor -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    policy_plugins (authority_id, sha256) {
        authority_id -> Text,
        sha256 -> Text,
        policy_name -> Text,
        policy_version -> Text,
        api_version -> Text,
        effective_from -> Date,
        active_from -> Nullable<Date>,
        status -> Text,
        size_bytes -> BigInt,
        bytes -> Binary,
        uploaded_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    policy_advice (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        plugin_sha256 -> Text,
        api_version -> Text,
        call -> Text,
        input_json -> Text,
        outcome -> Text,
        output_json -> Nullable<Text>,
        unavailable_reason -> Nullable<Text>,
        fuel_used -> BigInt,
        evaluated_at -> Timestamp,
    }
}

diesel::table! {
    deadline_exceptions (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        deadline_kind -> Text,
        limb -> Text,
        evidence -> Text,
        applies_from -> Date,
        applies_to -> Nullable<Date>,
        claimed_by -> Text,
        claimed_at -> Timestamp,
        family_told_on -> Date,
    }
}

diesel::table! {
    sitting_members (id) {
        id -> Text,
        authority_id -> Text,
        sitting_id -> Text,
        user_id -> Text,
        role -> Text,
        present_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    paper_openings (id) {
        id -> Text,
        authority_id -> Text,
        agenda_item_id -> Text,
        user_id -> Text,
        opened_at -> Timestamp,
    }
}

diesel::table! {
    conflicts (id) {
        id -> Text,
        authority_id -> Text,
        agenda_item_id -> Text,
        user_id -> Text,
        reason -> Text,
        declared_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Nullable<Text>,
        purpose -> Text,
        recipient -> Text,
        subject -> Text,
        message -> Binary,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// API `Idempotency-Key`s and page forms' one-time tokens, with the first answer.
    idempotency_keys (authority_id, user_id, origin, idempotency_key) {
        authority_id -> Text,
        user_id -> Text,
        origin -> Text,
        idempotency_key -> Text,
        method -> Text,
        path -> Text,
        request_sha256 -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        response_body -> Nullable<Binary>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    access_log (id) {
        id -> Text,
        authority_id -> Text,
        user_id -> Text,
        role -> Text,
        case_id -> Text,
        child_id -> Text,
        what -> Text,
        route -> Text,
        read_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_sha256) {
        id_sha256 -> Text,
        authority_id -> Text,
        user_id -> Text,
        method -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        ended_because -> Nullable<Text>,
    }
}

diesel::table! {
    account_secrets (secret_sha256) {
        secret_sha256 -> Text,
        authority_id -> Text,
        user_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    evidence (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        kind -> Text,
        file_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        author_organisation -> Text,
        written_on -> Date,
        areas -> Text,
        received_through -> Text,
        uploaded_by -> Nullable<Text>,
        uploaded_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    evidence_openings (id) {
        id -> Text,
        authority_id -> Text,
        agenda_item_id -> Text,
        evidence_id -> Text,
        user_id -> Text,
        opened_at -> Timestamp,
    }
}

diesel::table! {
    advice_links (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        deadline_id -> Text,
        source -> Text,
        recipient_name -> Text,
        recipient_email -> Text,
        question -> Text,
        token_sha256 -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        evidence_id -> Nullable<Text>,
    }
}

diesel::table! {
    advice_chasers (link_id, days_before) {
        link_id -> Text,
        days_before -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    authorities,
    users,
    api_tokens,
    children,
    requests,
    cases,
    panels,
    panel_members,
    sittings,
    agenda_items,
    votes,
    decisions,
    deadlines,
    documents,
    events,
    policy_plugins,
    policy_advice,
    deadline_exceptions,
    sitting_members,
    paper_openings,
    conflicts,
    outbox,
    idempotency_keys,
    access_log,
    sessions,
    account_secrets,
    evidence,
    evidence_openings,
    advice_links,
    advice_chasers,
    child_corrections,
    case_notes,
    digests_sent,
    education_settings,
    placements,
    funding_commitments,
    proposed_placements,
    proposed_commitments,
);

diesel::table! {
    sign_in_throttle (key) {
        key -> Text,
        allowed_from -> Timestamp,
    }
}

diesel::table! {
    child_corrections (id) {
        id -> Text,
        authority_id -> Text,
        child_id -> Text,
        field -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        reason -> Text,
        corrected_by -> Text,
        corrected_at -> Timestamp,
    }
}

diesel::table! {
    case_notes (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        kind -> Text,
        with_whom -> Text,
        occurred_on -> Date,
        summary -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    digests_sent (id) {
        id -> Text,
        authority_id -> Text,
        user_id -> Text,
        kind -> Text,
        sent_on -> Date,
        queued_at -> Timestamp,
    }
}

diesel::table! {
    education_settings (id) {
        id -> Text,
        authority_id -> Text,
        urn -> Nullable<Text>,
        name -> Text,
        kind -> Text,
        in_area -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    funding_commitments (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        placement_id -> Text,
        setting_id -> Text,
        band_code -> Text,
        band_title -> Text,
        place_funding_pence -> BigInt,
        top_up_pence -> BigInt,
        other_elements_json -> Text,
        advice_id -> Nullable<Text>,
        plugin_sha256 -> Nullable<Text>,
        tariff_rule -> Nullable<Text>,
        departs_from_advice -> Bool,
        reasons -> Nullable<Text>,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        decided_by -> Text,
        decided_at -> Timestamp,
        model -> Text,
        hours_tenths_per_week -> Nullable<Integer>,
        hourly_rate_pence -> Nullable<BigInt>,
        weeks_per_year -> Nullable<Integer>,
    }
}

diesel::table! {
    placements (id) {
        id -> Text,
        authority_id -> Text,
        case_id -> Text,
        setting_id -> Text,
        starts_on -> Date,
        parental_preference -> Nullable<Text>,
        mainstream_requested -> Bool,
        reasons -> Text,
        independent_justification -> Nullable<Text>,
        education_pence -> BigInt,
        health_pence -> BigInt,
        social_care_pence -> BigInt,
        decided_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    proposed_commitments (agenda_item_id) {
        agenda_item_id -> Text,
        authority_id -> Text,
        case_id -> Text,
        placement_id -> Text,
        advice_id -> Nullable<Text>,
        band_code -> Nullable<Text>,
        band_title -> Nullable<Text>,
        place_funding_pence -> Nullable<BigInt>,
        top_up_pence -> Nullable<BigInt>,
        hours_tenths_per_week -> Nullable<Integer>,
        hourly_rate_pence -> Nullable<BigInt>,
        weeks_per_year -> Nullable<Integer>,
        other_elements_json -> Text,
        reasons -> Nullable<Text>,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        expected_latest -> Nullable<Text>,
    }
}

diesel::table! {
    proposed_placements (agenda_item_id) {
        agenda_item_id -> Text,
        authority_id -> Text,
        case_id -> Text,
        setting_id -> Text,
        starts_on -> Date,
        parental_preference -> Nullable<Text>,
        mainstream_requested -> Bool,
        reasons -> Text,
        independent_justification -> Nullable<Text>,
        education_pence -> BigInt,
        health_pence -> BigInt,
        social_care_pence -> BigInt,
        expected_latest -> Nullable<Text>,
    }
}
