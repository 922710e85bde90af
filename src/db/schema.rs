//! The table definitions shared by both engines (written by hand: one schema, two migration sets).

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        session_generation -> Integer,
        created_at -> Timestamp,
        email_verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    events (id) {
        id -> Integer,
        title -> Text,
        description -> Text,
        venue -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        published -> Bool,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        refund_hours_before -> Nullable<Integer>,
        high_demand -> Bool,
        time_zone -> Text,
        resale_enabled -> Bool,
        resale_fee_percent -> Integer,
        resale_listed -> Integer,
    }
}

diesel::table! {
    /// Ticket types; the table keeps the design's name `ticket_schemas`.
    #[sql_name = "ticket_schemas"]
    ticket_types (id) {
        id -> Integer,
        event_id -> Integer,
        name -> Text,
        amount_pennies -> BigInt,
        currency -> Text,
        total_tickets -> Integer,
        available_tickets_count -> Integer,
        lock_version -> Integer,
        max_per_order -> Integer,
        selling_rule -> Text,
        sale_starts_at -> Nullable<Timestamp>,
        sale_ends_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Bookings; the table keeps the design's name `tickets`.
    #[sql_name = "tickets"]
    bookings (id) {
        id -> Integer,
        user_id -> Integer,
        event_id -> Integer,
        #[sql_name = "ticket_schema_id"]
        ticket_type_id -> Integer,
        status -> Text,
        reserved_until -> Nullable<Timestamp>,
        hold_number -> Integer,
        code -> Text,
        created_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        quantity -> Integer,
        #[sql_name = "lapsed_ticket_schema_id"]
        lapsed_ticket_type_id -> Nullable<Integer>,
        lapsed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    admissions (id) {
        id -> Integer,
        #[sql_name = "ticket_id"]
        booking_id -> Integer,
        hold_number -> Integer,
        position -> Integer,
        code -> Text,
        status -> Text,
        checked_in_at -> Nullable<Timestamp>,
        gate -> Nullable<Text>,
        created_at -> Timestamp,
        checkin_nonce -> Nullable<Text>,
        event_id -> Integer,
        holder_email -> Nullable<Text>,
        attendee_name -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        given_back_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Codes a seat no longer has (re-issued when the seat was sent to a friend).
    retired_codes (code) {
        code -> Text,
        admission_id -> Integer,
        reason -> Text,
        retired_at -> Timestamp,
    }
}

diesel::table! {
    door_grants (id) {
        id -> Integer,
        user_id -> Integer,
        event_id -> Nullable<Integer>,
        granted_by -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    checkin_log (id) {
        id -> Integer,
        admission_id -> Integer,
        event_id -> Integer,
        user_id -> Integer,
        action -> Text,
        gate -> Nullable<Text>,
        reason -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    payments (id) {
        id -> Integer,
        #[sql_name = "ticket_id"]
        booking_id -> Integer,
        user_id -> Integer,
        hold_number -> Integer,
        attempt -> Integer,
        provider -> Text,
        provider_session_id -> Nullable<Text>,
        checkout_url -> Nullable<Text>,
        amount_pennies -> BigInt,
        currency -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        provider_payment_id -> Nullable<Text>,
        provider_refund_id -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        refunded_at -> Nullable<Timestamp>,
        request -> Nullable<Text>,
        checks -> Integer,
        next_check_at -> Nullable<Timestamp>,
        dispute_status -> Nullable<Text>,
        provider_dispute_id -> Nullable<Text>,
        provider_checked_at -> Nullable<Timestamp>,
        listing_id -> Nullable<Integer>,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Integer,
        provider_event_id -> Text,
        event_type -> Text,
        received_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refunds (id) {
        id -> Integer,
        payment_id -> Integer,
        amount_pennies -> BigInt,
        currency -> Text,
        idempotency_key -> Nullable<Text>,
        provider_refund_id -> Nullable<Text>,
        status -> Text,
        reason -> Text,
        failure_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        seats -> Nullable<Integer>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        message_id -> Text,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        deferrals -> Integer,
    }
}

diesel::table! {
    mailbox (id) {
        id -> Integer,
        message_id -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        attachment_name -> Nullable<Text>,
        attachment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Integer,
        user_id -> Integer,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        token_hash -> Text,
        session_generation -> Integer,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        name -> Nullable<Text>,
        last_used_at -> Nullable<Timestamp>,
        scope -> Text,
    }
}

diesel::table! {
    trusted_devices (id) {
        id -> Integer,
        user_id -> Integer,
        secret_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> Integer,
        user_id -> Integer,
        idempotency_key -> Text,
        request_hash -> Text,
        state -> Text,
        locked_until -> Timestamp,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        response_location -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    limit_counters (limit_name, subject, window_start) {
        limit_name -> Text,
        subject -> Text,
        window_start -> Timestamp,
        hits -> Integer,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// A paid booking offered for resale, whole, at a price up to what was paid.
    resale_listings (id) {
        id -> Integer,
        #[sql_name = "ticket_id"]
        booking_id -> Integer,
        hold_number -> Integer,
        event_id -> Integer,
        #[sql_name = "ticket_schema_id"]
        ticket_type_id -> Integer,
        seller_id -> Integer,
        quantity -> Integer,
        price_pennies -> BigInt,
        fee_pennies -> BigInt,
        currency -> Text,
        status -> Text,
        version -> Integer,
        locked_by -> Nullable<Integer>,
        locked_until -> Nullable<Timestamp>,
        buyer_id -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sold_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Every passing of a booking's seats to another holder (a resale or a gift).
    booking_transfers (id) {
        id -> Integer,
        kind -> Text,
        #[sql_name = "from_ticket_id"]
        from_booking_id -> Integer,
        from_hold_number -> Integer,
        #[sql_name = "to_ticket_id"]
        to_booking_id -> Integer,
        to_hold_number -> Integer,
        from_user_id -> Integer,
        to_user_id -> Integer,
        listing_id -> Nullable<Integer>,
        payment_id -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The one row whose lock hands out feed positions in commit order.
    feed_counter (id) {
        id -> Integer,
        position -> Integer,
    }
}

diesel::table! {
    /// Every partner-visible event, by gap-free position (kept for good).
    feed_events (position) {
        position -> Integer,
        message_id -> Text,
        event_type -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Integer,
        url -> Text,
        description -> Text,
        event_types -> Text,
        secret -> Text,
        enabled -> Bool,
        consecutive_failures -> Integer,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Integer,
        endpoint_id -> Integer,
        position -> Integer,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        last_status_code -> Nullable<Integer>,
        last_response -> Nullable<Text>,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Box office staff: an account may sell the seats of one event, or of every event
    /// (`event_id` NULL).
    box_office_grants (id) {
        id -> Integer,
        user_id -> Integer,
        event_id -> Nullable<Integer>,
        granted_by -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// A box office sale: one per hold of a booking, with its seller, customer's name and
    /// how it is paid (a mailed link, or recorded at the counter).
    box_office_sales (id) {
        id -> Integer,
        #[sql_name = "ticket_id"]
        booking_id -> Integer,
        hold_number -> Integer,
        event_id -> Integer,
        seller_id -> Integer,
        customer_name -> Text,
        payment -> Text,
        note -> Text,
        link_token_hash -> Nullable<Text>,
        payment_id -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(ticket_types -> events (event_id));
diesel::joinable!(bookings -> events (event_id));
diesel::joinable!(bookings -> ticket_types (ticket_type_id));
diesel::joinable!(bookings -> users (user_id));
diesel::joinable!(payments -> bookings (booking_id));
diesel::joinable!(admissions -> bookings (booking_id));
diesel::joinable!(refunds -> payments (payment_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(trusted_devices -> users (user_id));
diesel::joinable!(door_grants -> events (event_id));
diesel::joinable!(checkin_log -> admissions (admission_id));
diesel::joinable!(checkin_log -> users (user_id));
diesel::joinable!(resale_listings -> bookings (booking_id));
diesel::joinable!(resale_listings -> ticket_types (ticket_type_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> feed_events (position));
diesel::joinable!(box_office_grants -> events (event_id));
diesel::joinable!(box_office_sales -> bookings (booking_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    events,
    ticket_types,
    bookings,
    admissions,
    payments,
    refunds,
    webhook_events,
    outbox,
    mailbox,
    password_resets,
    api_tokens,
    idempotency_keys,
    door_grants,
    checkin_log,
    limit_counters,
    trusted_devices,
    resale_listings,
    booking_transfers,
    retired_codes,
    feed_counter,
    feed_events,
    webhook_endpoints,
    webhook_deliveries,
    box_office_grants,
    box_office_sales
);
