// Generated from services/auth/openapi.json, services/rooms/openapi.json, proto/protocol.schema.json by scripts/gen-types.mjs. Do not edit.

export type paths = Record<string, never>;
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An account as an admin sees it. */
        AccountStatus: {
            /**
             * Format: date-time
             * @description Set while the account is deactivated.
             */
            deactivated_at?: string | null;
            /** Format: uuid */
            id: string;
            /** @description Whether the account appears in the people directory. */
            listed: boolean;
            role: string;
            username: string;
        };
        AddMemberRequest: {
            /** Format: uuid */
            user_id: string;
        };
        /** @description A file sent with a message. */
        Attachment: {
            /** @description Checked against the file's bytes, never taken from the sender alone. */
            content_type: string;
            /** Format: int32 */
            height?: number | null;
            /** Format: uuid */
            id: string;
            /** @description Its file name as sent (without any directory). */
            name: string;
            /**
             * Format: int64
             * @description In bytes (an image's after its metadata was removed).
             */
            size: number;
            /** @description Whether a thumbnail (a JPEG at most 320 px wide and high) exists: images only. */
            thumbnail?: boolean;
            thumbnail_url?: string | null;
            /**
             * @description Short-lived links to the file and its thumbnail for the reader they were made for (in
             *     history and search answers; absent in events: ask
             *     `GET /api/rooms/{room_id}/messages/{seq}/attachment/link`). A link works only with that
             *     reader's session, until it expires.
             */
            url?: string | null;
            /**
             * Format: int32
             * @description An image's width and height in pixels.
             */
            width?: number | null;
        };
        /** @description Links to a message's file for the caller. */
        AttachmentLink: {
            /** Format: date-time */
            expires_at: string;
            /** @description For an image: its thumbnail's link. */
            thumbnail_url?: string | null;
            url: string;
        };
        /** @description What one send of a batch came to. */
        BatchedResult: {
            /** @description Stored (`created`), or a retry answered with the message stored the first time. */
            stored: {
                created: boolean;
                message: components["schemas"]["Message"];
            };
        } | {
            /** @description Refused: the error code and message the single send would have answered with. */
            failed: {
                code: string;
                message: string;
                /** Format: int32 */
                status: number;
            };
        };
        /** @description One send of a [`SendBatch`]: what a client's `send` frame said, and who sent it. */
        BatchedSend: {
            body: string;
            client_msg_id: string;
            /** Format: uuid */
            reply_to?: string | null;
            /** @description The socket's request id, carried into the message's event and logs. */
            request_id?: string | null;
            /** Format: uuid */
            room_id: string;
            /**
             * @description This send's W3C `traceparent` (a hop of the socket's trace), carried into the
             *     message's event.
             */
            traceparent?: string | null;
            /**
             * Format: uuid
             * @description The user the gateway acts for (the socket's authenticated user).
             */
            user_id: string;
        };
        BlockedUsers: {
            /** @description Newest block first. */
            users: components["schemas"]["User"][];
        };
        ChangePassword: {
            current_password: string;
            /** @description At least 8 characters and at most 72 bytes. */
            new_password: string;
        };
        /** @description Frames a client sends. */
        ClientFrame: {
            token: string;
            /** @enum {string} */
            type: "auth";
        } | {
            body: string;
            client_msg_id: string;
            /** Format: uuid */
            reply_to?: string | null;
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "send";
        } | {
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "typing";
        } | {
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read";
        } | {
            /** @enum {string} */
            type: "ping";
        } | {
            cursor: string;
            /** @enum {string} */
            type: "synced";
        };
        CreateRoomRequest: {
            kind: components["schemas"]["NewRoomKind"];
            /** @description Initial members besides me (I am the owner), at most 200. */
            member_ids?: string[];
            /** @description 1 to 64 characters after trimming. */
            name: string;
            /** @description Up to 256 characters. */
            topic?: string | null;
        };
        EditRequest: {
            /** @description 1 to 4,000 characters (the default of `ROOMS_MAX_BODY_CHARS`), not only whitespace. */
            body: string;
        };
        ErrorBody: {
            /** @description A stable machine-readable code, e.g. `not_found`. */
            code: string;
            /** @description For `validation_failed` and `conflict`: a message per offending field. */
            fields?: {
                [key: string]: string;
            } | null;
            /** @description A human-readable explanation. */
            message: string;
        };
        /** @description The JSON body of every error response. */
        ErrorEnvelope: {
            error: components["schemas"]["ErrorBody"];
        };
        /**
         * @description What travels on the broker: a unique id for deduplication, the request id that caused it
         *     (so logs can follow a message from REST to the gateway and notifier), and the payload.
         */
        Event: {
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            occurred_at: string;
            payload: components["schemas"]["EventPayload"];
            request_id?: string | null;
            /**
             * @description The W3C `traceparent` of the hop that caused it (Trace Context, version 00). Absent in
             *     events written before it was carried, and in those nothing traced caused.
             */
            traceparent?: string | null;
        };
        EventPayload: {
            message: components["schemas"]["Message"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "message_created";
        } | {
            /**
             * Format: uuid
             * @description Who created it (a group's owner); none for direct chats. Absent in events stored
             *     before it was recorded.
             */
            by?: string | null;
            kind: components["schemas"]["RoomKind"];
            member_ids: string[];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "room_created";
        } | {
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "typing";
            /** Format: uuid */
            user_id: string;
        } | {
            /**
             * Format: int64
             * @description Of those, the ones that mention the reader.
             */
            mentions?: number;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read_up_to";
            /**
             * Format: int64
             * @description Messages of the room the reader has still not read (newer than `seq`).
             */
            unread?: number;
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read_by_all";
        } | {
            message: components["schemas"]["Message"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "message_edited";
        } | {
            /** Format: uuid */
            deleted_by: string;
            /** Format: uuid */
            message_id: string;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "message_deleted";
        } | {
            added: boolean;
            emoji: string;
            /** Format: uuid */
            message_id: string;
            reactions: components["schemas"]["Reaction"][];
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "reactions_changed";
            /** Format: uuid */
            user_id: string;
            /** Format: int64 */
            version: number;
        } | {
            /** Format: uuid */
            by: string;
            /** Format: uuid */
            message_id: string;
            pinned: boolean;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "pins_changed";
        } | {
            /** Format: uuid */
            by: string;
            name?: string | null;
            /** Format: uuid */
            room_id: string;
            topic?: string | null;
            /** @enum {string} */
            type: "room_updated";
        } | {
            /** Format: uuid */
            by: string;
            member_ids: string[];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "room_deleted";
        } | {
            /** Format: uuid */
            by: string;
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_joined";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            by: string;
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_left";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            by: string;
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_role_changed";
            /** Format: uuid */
            user_id: string;
        };
        /** @description Where a forwarded message's text came from. */
        Forwarded: {
            /** Format: date-time */
            created_at: string;
            /**
             * Format: uuid
             * @description Who wrote the original (the first one, when a forward is forwarded again).
             */
            sender_id: string;
        };
        ForwardRequest: {
            /**
             * @description Chosen by the client (a UUID); a retry with the same id returns the first copy.
             *     1-64 printable ASCII characters.
             */
            client_msg_id: string;
            /**
             * Format: uuid
             * @description The message to forward: one of a room I belong to, or of a public room.
             */
            message_id: string;
        };
        LeftRoom: {
            /**
             * Format: uuid
             * @description Who owns the room now, when I was its last owner.
             */
            new_owner?: string | null;
            /** @description True when I was the last member: the room was deleted. */
            room_deleted: boolean;
            /** Format: uuid */
            room_id: string;
        };
        /** @description What the bot needs to know about a linked chat. */
        LinkedAccount: {
            display_name: string;
            notifications_enabled: boolean;
            /** Format: uuid */
            user_id: string;
            username: string;
        };
        /** @description Whether an account appears in the people directory. */
        Listing: {
            listed: boolean;
        };
        LoginRequest: {
            /** @description Username or email, ignoring case. */
            login: string;
            password: string;
        };
        /** @description The caller's own account: the public profile and what only they see. */
        Me: components["schemas"]["User"] & {
            email: string;
            /** @description Whether Telegram notifications are on. */
            notifications_enabled: boolean;
            /** @description `user` or `admin`. */
            role: string;
            telegram: components["schemas"]["TelegramState"];
        };
        MemberPage: {
            members: components["schemas"]["RoomMember"][];
            /** @description Where the next page starts; absent on the last page. */
            next_cursor?: string | null;
        };
        /** @enum {string} */
        MemberRole: "owner" | "admin" | "member";
        /** @description A stored message. `seq` is its gap-free position in its room. */
        Message: {
            attachment?: components["schemas"]["Attachment"] | null;
            body: string;
            client_msg_id: string;
            /** Format: date-time */
            created_at: string;
            deleted: boolean;
            /** Format: date-time */
            edited_at?: string | null;
            forwarded_from?: components["schemas"]["Forwarded"] | null;
            /** Format: uuid */
            id: string;
            /**
             * @description Its reactions by emoji, in the order each was first used; `[]` for none and for a
             *     deleted message. Only in answers that read history or search (each reader gets their
             *     own `me`), never in events, acks or room previews.
             */
            reactions?: components["schemas"]["Reaction"][] | null;
            /**
             * Format: int64
             * @description How many times its reactions changed (0: never): a summary applies over another only
             *     when its version is higher. Present with `reactions`.
             */
            reactions_version?: number | null;
            /** Format: uuid */
            reply_to?: string | null;
            /** Format: uuid */
            room_id: string;
            /** Format: uuid */
            sender_id: string;
            /** Format: int64 */
            seq: number;
        };
        MessagePage: {
            /**
             * @description More exist in the direction of travel: older for the latest page, `before` and
             *     `around`, newer for `after`.
             */
            has_more: boolean;
            /** @description Newer messages exist after this page. */
            has_newer: boolean;
            /** @description Older messages exist before this page. */
            has_older: boolean;
            /** @description By seq, in the order asked for. */
            messages: components["schemas"]["Message"][];
        };
        /** @description A message's reactions as of `version`: what a reaction change answers. */
        MessageReactions: {
            /** Format: uuid */
            message_id: string;
            reactions: components["schemas"]["Reaction"][];
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /**
             * Format: int64
             * @description How many times the message's reactions changed: apply over a summary only when higher.
             */
            version: number;
        };
        MuteSetting: {
            /** @description True: no Telegram notifications for this room. */
            muted: boolean;
        };
        /** @enum {string} */
        NewRoomKind: "group" | "public";
        OpenDirectRequest: {
            /**
             * Format: uuid
             * @description The other user; my own id opens "Saved messages".
             */
            user_id: string;
        };
        /** @description A pinned message: who pinned it and when. */
        Pin: {
            message: components["schemas"]["Message"];
            /** Format: date-time */
            pinned_at: string;
            /** Format: uuid */
            pinned_by: string;
        };
        /** @description A room's pinned messages, the latest pin first. */
        Pins: {
            pins: components["schemas"]["Pin"][];
            /** Format: uuid */
            room_id: string;
        };
        /**
         * @description A user came online or went offline. Ephemeral, published by gateways straight to the
         *     exchange (never stored): `room_ids` are the user's rooms, whose members are told.
         */
        PresenceChanged: {
            /** Format: date-time */
            last_seen_at?: string | null;
            online: boolean;
            room_ids: string[];
            /** Format: uuid */
            user_id: string;
        };
        PublicRoom: {
            /** Format: uuid */
            id: string;
            /** @description Whether I am a member. */
            joined: boolean;
            /** Format: int64 */
            member_count: number;
            name?: string | null;
            topic?: string | null;
        };
        PublicRoomPage: {
            next_cursor?: string | null;
            rooms: components["schemas"]["PublicRoom"][];
        };
        /** @description One emoji's reactions on a message. */
        Reaction: {
            /** Format: int64 */
            count: number;
            /** @description One emoji, in its canonical form (see the protocol's README). */
            emoji: string;
            /** @description Whether I reacted with it: in REST answers only, never in events. */
            me?: boolean | null;
            /** @description The first reactors, oldest first: all of them when `count` is at most 10. */
            user_ids: string[];
        };
        Readers: {
            /** @description Members other than the sender who have read the message. */
            read_by: string[];
            /** @description Whether every member other than the sender has. */
            read_by_all: boolean;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
        };
        ReadRequest: {
            /**
             * Format: int64
             * @description I have read every message up to this seq (one past the room's last is taken as its last).
             */
            seq: number;
        };
        ReadState: {
            /** Format: int64 */
            last_read_seq: number;
            /**
             * Format: int64
             * @description Of the unread messages, those that mention me.
             */
            mentions?: number;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            unread: number;
        };
        Redeem: {
            /**
             * Format: int64
             * @description The private chat that sent it.
             */
            chat_id: number;
            /** @description The token from `/start <token>`. */
            token: string;
        };
        RefreshRequest: {
            /** @description The refresh token; browsers leave it out and send the `chat_refresh` cookie. */
            refresh_token?: string | null;
        };
        RegisterRequest: {
            /** @description Shown instead of the username; defaults to it. 1-64 characters after trimming. */
            display_name?: string | null;
            /** @description Unique ignoring case. */
            email: string;
            /** @description At least 8 characters and at most 72 bytes. */
            password: string;
            /** @description 3-32 letters, digits or underscores; unique ignoring case. */
            username: string;
        };
        /** @description A room with its member count and its first members. */
        Room: {
            /** Format: date-time */
            created_at: string;
            /** Format: uuid */
            id: string;
            kind: components["schemas"]["RoomKind"];
            /** Format: int64 */
            last_seq: number;
            /**
             * Format: int64
             * @description How many members the room has.
             */
            member_count: number;
            /**
             * @description The first 100 members, oldest first: all of them when `member_count` is at most 100.
             *     The rest are read a page at a time from `GET /api/rooms/{id}/members`.
             */
            members: components["schemas"]["RoomMember"][];
            name?: string | null;
            topic?: string | null;
        };
        /**
         * @description A user's rooms and the sync cursor taken before they were read (`GET /api/rooms/ids`): a
         *     gateway subscribes a new socket to them and hands the cursor to the client in `hello`.
         */
        RoomIds: {
            /**
             * @description A sync cursor taken before the rooms were read: every event after it is in the sync
             *     log (`GET /api/rooms/sync?cursor=`).
             */
            cursor: string;
            /**
             * @description Where events published after this answer begin: every event at or after it is
             *     published after the rooms were read (those between `cursor` and here belong to writers
             *     that were running meanwhile; equal to `cursor` when there were none).
             */
            live_from: string;
            room_ids: string[];
        };
        /**
         * @description The rooms of several users at once (`POST /api/rooms/ids/batch`, service credential only):
         *     a gateway asks for the users of the sockets that connected while its previous ask was on
         *     its way, so a burst of connects costs a few round trips, not one each.
         */
        RoomIdsBatch: {
            /** @description 1 to 1,000 users; one may appear more than once. */
            user_ids: string[];
        };
        /**
         * @description The answer to a [`RoomIdsBatch`]: one cursor, taken before any room was read, and each
         *     user's rooms in the order the users were named.
         */
        RoomIdsBatchAnswer: {
            cursor: string;
            /** @description As [`RoomIds::live_from`], for all of them. */
            live_from: string;
            rooms: string[][];
        };
        /** @enum {string} */
        RoomKind: "direct" | "saved" | "group" | "public";
        RoomList: {
            /**
             * @description Where the next page starts; absent on the last page. A room with new activity moves to
             *     the front, so a client paging while messages arrive keeps the rooms by id.
             */
            next_cursor?: string | null;
            rooms: components["schemas"]["RoomSummary"][];
        };
        RoomMember: {
            /**
             * Format: int64
             * @description The highest `seq` this member has read.
             */
            last_read_seq: number;
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            user_id: string;
        };
        /** @description One line of "my rooms". */
        RoomSummary: {
            /** Format: uuid */
            id: string;
            kind: components["schemas"]["RoomKind"];
            /** Format: date-time */
            last_activity_at: string;
            last_message?: components["schemas"]["Message"] | null;
            /** Format: int64 */
            last_read_seq: number;
            /** Format: int64 */
            last_seq: number;
            /** Format: int64 */
            member_count: number;
            /**
             * Format: int64
             * @description How many of my unread messages mention me (or everyone).
             */
            mentions?: number;
            /** @description Whether I muted this room's Telegram notifications. */
            muted: boolean;
            my_role: components["schemas"]["MemberRole"];
            name?: string | null;
            /**
             * Format: uuid
             * @description For direct rooms, the other user (yourself for "Saved messages").
             */
            peer_id?: string | null;
            topic?: string | null;
            /** Format: int64 */
            unread: number;
        };
        SearchPage: {
            /**
             * @description Newest first. Each hit names its room and seq: open it with
             *     `GET /api/rooms/{room_id}/messages?around={seq}`.
             */
            hits: components["schemas"]["Message"][];
            /** Format: uuid */
            next_cursor?: string | null;
        };
        /**
         * @description Sends made by users connected to a gateway, stored together (`POST /api/rooms/messages/batch`,
         *     service credential only). Each is checked and answered as `POST /api/rooms/{id}/messages`
         *     would answer it for that user; the batch only shares the round trip and the commit.
         */
        SendBatch: {
            /** @description At most 256. */
            sends: components["schemas"]["BatchedSend"][];
        };
        /** @description The answers to a [`SendBatch`], one per send, in its order. */
        SendBatchResults: {
            results: components["schemas"]["BatchedResult"][];
        };
        SendRequest: {
            /** @description 1 to 4,000 characters (the default of `ROOMS_MAX_BODY_CHARS`), not only whitespace. */
            body: string;
            /**
             * @description Chosen by the client (a UUID); a retry with the same id returns the first message.
             *     1-64 printable ASCII characters.
             */
            client_msg_id: string;
            /**
             * Format: uuid
             * @description A message of the same room this one answers.
             */
            reply_to?: string | null;
        };
        /** @description Frames the gateway sends. */
        ServerFrame: {
            /**
             * @description A sync cursor; keep it, and after a reconnect sync from it (then from each
             *     `next_cursor`) to get what was missed.
             */
            cursor: string;
            /**
             * Format: uuid
             * @description The gateway instance holding this socket (for diagnostics).
             */
            instance_id: string;
            /** Format: int32 */
            protocol: number;
            /** Format: uuid */
            session_id: string;
            /** @enum {string} */
            type: "hello";
            /** Format: uuid */
            user_id: string;
        } | {
            client_msg_id: string;
            message: components["schemas"]["Message"];
            /** @enum {string} */
            type: "ack";
        } | {
            client_msg_id?: string | null;
            code: string;
            message: string;
            /** @enum {string} */
            type: "error";
        } | {
            message: components["schemas"]["Message"];
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "message_created";
        } | {
            /**
             * Format: uuid
             * @description Who created it (a group's owner); absent for direct chats.
             */
            by?: string | null;
            kind: components["schemas"]["RoomKind"];
            member_ids: string[];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "room_created";
        } | {
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "typing";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read_by_all";
        } | {
            message: components["schemas"]["Message"];
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "message_edited";
        } | {
            /** Format: uuid */
            message_id: string;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "message_deleted";
        } | {
            added: boolean;
            emoji: string;
            /** Format: uuid */
            message_id: string;
            reactions: components["schemas"]["Reaction"][];
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "reactions_changed";
            /** Format: uuid */
            user_id: string;
            /** Format: int64 */
            version: number;
        } | {
            /** Format: uuid */
            by: string;
            /** Format: uuid */
            message_id: string;
            pinned: boolean;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "pins_changed";
        } | {
            name?: string | null;
            /** Format: uuid */
            room_id: string;
            topic?: string | null;
            /** @enum {string} */
            type: "room_updated";
        } | {
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "room_deleted";
        } | {
            /**
             * Format: uuid
             * @description Who added them; themself when they joined a public room.
             */
            by: string;
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_joined";
            /** Format: uuid */
            user_id: string;
        } | {
            /**
             * Format: uuid
             * @description Who removed them; themself when they left.
             */
            by: string;
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_left";
            /** Format: uuid */
            user_id: string;
        } | {
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_role_changed";
            /** Format: uuid */
            user_id: string;
        } | {
            display_name: string;
            /** @enum {string} */
            type: "user_renamed";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: date-time */
            last_seen_at?: string | null;
            online: boolean;
            /** @enum {string} */
            type: "presence";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: int64 */
            last_read_seq: number;
            /**
             * Format: int64
             * @description Of the unread messages, those that mention me.
             */
            mentions?: number;
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "unread";
            /** Format: int64 */
            unread: number;
        } | {
            /** @enum {string} */
            type: "pong";
        } | {
            /** @enum {string} */
            type: "resync";
        } | {
            cursor: string;
            /** @enum {string} */
            type: "cursor";
        };
        /** @description Tokens for API clients; browsers get the same as cookies. */
        Session: {
            access_token: string;
            /**
             * Format: int64
             * @description Seconds until the access token expires.
             */
            expires_in: number;
            /**
             * @description Absent for browsers (a request with an `Origin` header), which get it only as an
             *     HttpOnly cookie, out of reach of scripts.
             */
            refresh_token?: string | null;
            /** @description Always `Bearer`. */
            token_type: string;
            user: components["schemas"]["User"];
        };
        SetNotifications: {
            enabled: boolean;
        };
        SetRoleRequest: {
            /** @description `admin` or `member`; `owner` hands ownership over (I become an admin). */
            role: components["schemas"]["MemberRole"];
        };
        SyncPage: {
            /**
             * @description What happened after the cursor in my rooms (and to my memberships), oldest first: new,
             *     edited and deleted messages, membership and room changes, receipts.
             */
            events: components["schemas"]["Event"][];
            /** @description More events are waiting: sync again at once. */
            has_more: boolean;
            /** @description Pass it to the next sync. */
            next_cursor: string;
            /**
             * @description The cursor is too old to serve: reload rooms and history, then sync from
             *     `next_cursor`.
             */
            reset: boolean;
        };
        TelegramLink: {
            /**
             * Format: date-time
             * @description The token stops working at this time, or once used.
             */
            expires_at: string;
            /** @description `https://t.me/<bot>?start=<token>`: open it and press Start. */
            url: string;
        };
        TelegramState: {
            /** @description Whether this deployment has a Telegram bot (linking is possible). */
            available: boolean;
            /** @description The bot's username, when there is one. */
            bot_username?: string | null;
            /** @description Whether a Telegram chat is linked to the account. */
            linked: boolean;
        };
        TokenForm: {
            /** @description `password` or `refresh_token`. */
            grant_type: string;
            /** @description Password grant. */
            password?: string | null;
            /** @description Refresh grant. */
            refresh_token?: string | null;
            /** @description Username or email (password grant). */
            username?: string | null;
        };
        /** @description RFC 6749 §5.1. */
        TokenResponse: {
            access_token: string;
            /**
             * Format: int64
             * @description Seconds until the access token expires.
             */
            expires_in: number;
            refresh_token: string;
            /** @description Always `bearer`. */
            token_type: string;
        };
        /** @description How many accounts an admin's clean-up took out of the directory. */
        Unlisted: {
            unlisted: number;
        };
        UpdateMe: {
            /** @description 1-64 characters after trimming; shown instead of the username. */
            display_name?: string | null;
            /** @description Telegram notifications on or off. */
            notifications_enabled?: boolean | null;
        };
        UpdateRoomRequest: {
            /** @description 1 to 64 characters after trimming. */
            name?: string | null;
            /** @description Up to 256 characters; empty clears it. */
            topic?: string | null;
        };
        /** @description A user as others see them. */
        User: {
            /** Format: date-time */
            created_at: string;
            display_name: string;
            /** Format: uuid */
            id: string;
            /**
             * Format: date-time
             * @description When the user was last seen online; `None` if never.
             */
            last_seen_at?: string | null;
            /** @description Whether the user has a live socket on any gateway. */
            online: boolean;
            username: string;
        };
        UserPage: {
            /** @description Pass as `cursor` for the next page; absent on the last page. */
            next_cursor?: string | null;
            users: components["schemas"]["User"][];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
