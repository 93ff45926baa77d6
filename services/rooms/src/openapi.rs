use crate::handlers;
use chat_http::openapi::SecuritySchemes;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chat rooms",
        description = "Rooms, membership and messages. Every operation on a room checks membership: outsiders of a private room get 404 \
                       whether it exists or not; members get 403 for what their role forbids. Public rooms can be read by anyone. \
                       When the last owner leaves, ownership passes to the longest-standing admin, else member; the last member leaving deletes the room. \
                       Errors use one envelope: \
                       `{\"error\": {\"code\", \"message\", \"fields\"?}}`.\n\n\
                       Authenticate with `Authorization: Bearer <access_token>` from the auth API.\n\n\
                       Live events (new messages, typing, receipts, presence) come over the WebSocket at `/ws`: \
                       [protocol guide](/docs/protocol), [JSON Schema of every frame](/docs/protocol.schema.json)."
    ),
    paths(
        handlers::list_rooms::list_rooms,
        handlers::create_room::create_room,
        handlers::room_ids::room_ids,
        handlers::room_ids::room_ids_batch,
        handlers::public_rooms::public_rooms,
        handlers::open_direct::open_direct,
        handlers::get_room::get_room,
        handlers::update_room::update_room,
        handlers::update_room::delete_room,
        handlers::membership::join,
        handlers::membership::leave,
        handlers::membership::add_member,
        handlers::membership::kick,
        handlers::membership::set_role,
        handlers::mute::set_mute,
        handlers::list_messages::list_messages,
        handlers::send_message::send_message,
        handlers::send_batch::send_batch,
        handlers::edit_message::edit_message,
        handlers::edit_message::delete_message,
        handlers::readers::readers,
        handlers::mark_read::mark_read,
        handlers::search::search,
        handlers::sync::sync,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "rooms", description = "Rooms"),
        (name = "members", description = "Membership and roles"),
        (name = "messages", description = "Messages, history, receipts and search"),
        (name = "sync", description = "What a client missed"),
    )
)]
pub struct ApiDoc;
