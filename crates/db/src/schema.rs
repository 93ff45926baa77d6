// @generated automatically by Diesel CLI.

diesel::table! {
    gateway_instances (id) {
        id -> Uuid,
        started_at -> Timestamptz,
        heartbeat_at -> Timestamptz,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        room_id -> Uuid,
        seq -> Int8,
        sender_id -> Uuid,
        body -> Text,
        reply_to -> Nullable<Uuid>,
        client_msg_id -> Text,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        forwarded_from_sender -> Nullable<Uuid>,
        forwarded_from_at -> Nullable<Timestamptz>,
        attachment -> Nullable<Jsonb>,
    }
}

diesel::table! {
    message_mentions (message_id, user_id) {
        message_id -> Uuid,
        user_id -> Uuid,
        room_id -> Uuid,
        seq -> Int8,
    }
}

diesel::table! {
    message_reaction_versions (message_id) {
        message_id -> Uuid,
        version -> Int8,
    }
}

diesel::table! {
    message_reactions (message_id, user_id, emoji) {
        message_id -> Uuid,
        user_id -> Uuid,
        emoji -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    notification_digests (user_id, room_id) {
        user_id -> Uuid,
        room_id -> Uuid,
        message_count -> Int4,
        last_seq -> Int8,
        sender_names -> Array<Text>,
        opened_at -> Timestamptz,
        due_at -> Timestamptz,
        attempts -> Int4,
        mentioned -> Bool,
        claimed_until -> Nullable<Timestamptz>,
        mention_seq -> Int8,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        event_id -> Uuid,
        routing_key -> Text,
        payload -> Json,
        created_at -> Timestamptz,
        room_id -> Nullable<Uuid>,
        user_id -> Nullable<Uuid>,
        xid -> Int8,
    }
}

diesel::table! {
    outbox_pending (id) {
        id -> Int8,
    }
}

diesel::table! {
    pinned_messages (room_id, message_id) {
        room_id -> Uuid,
        message_id -> Uuid,
        pinned_by -> Uuid,
        pinned_at -> Timestamptz,
    }
}

diesel::table! {
    processed_events (consumer, event_id) {
        consumer -> Text,
        event_id -> Uuid,
        processed_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    room_members (room_id, user_id) {
        room_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        joined_at -> Timestamptz,
        last_read_seq -> Int8,
        muted -> Bool,
    }
}

diesel::table! {
    rooms (id) {
        id -> Uuid,
        kind -> Text,
        name -> Nullable<Text>,
        topic -> Nullable<Text>,
        owner_id -> Nullable<Uuid>,
        direct_key -> Nullable<Text>,
        last_seq -> Int8,
        created_at -> Timestamptz,
        last_activity_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sync_horizon (singleton) {
        singleton -> Bool,
        xid -> Int8,
        id -> Int8,
    }
}

diesel::table! {
    telegram_link_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    user_presence (user_id) {
        user_id -> Uuid,
        last_seen_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        telegram_chat_id -> Nullable<Int8>,
        notifications_enabled -> Bool,
        created_at -> Timestamptz,
        deactivated_at -> Nullable<Timestamptz>,
        listed -> Bool,
    }
}

diesel::table! {
    user_blocks (blocker_id, blocked_id) {
        blocker_id -> Uuid,
        blocked_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    ws_sessions (id) {
        id -> Uuid,
        instance_id -> Uuid,
        user_id -> Uuid,
        connected_at -> Timestamptz,
    }
}

diesel::joinable!(message_mentions -> messages (message_id));
diesel::joinable!(message_reaction_versions -> messages (message_id));
diesel::joinable!(message_reactions -> messages (message_id));
diesel::joinable!(messages -> rooms (room_id));
diesel::joinable!(notification_digests -> rooms (room_id));
diesel::joinable!(notification_digests -> users (user_id));
diesel::joinable!(pinned_messages -> messages (message_id));
diesel::joinable!(pinned_messages -> rooms (room_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(room_members -> rooms (room_id));
diesel::joinable!(telegram_link_tokens -> users (user_id));
diesel::joinable!(ws_sessions -> gateway_instances (instance_id));

diesel::allow_tables_to_appear_in_same_query!(
    gateway_instances,
    message_mentions,
    message_reaction_versions,
    message_reactions,
    messages,
    notification_digests,
    outbox,
    outbox_pending,
    pinned_messages,
    processed_events,
    refresh_tokens,
    room_members,
    rooms,
    sync_horizon,
    telegram_link_tokens,
    user_blocks,
    user_presence,
    users,
    ws_sessions,
);
