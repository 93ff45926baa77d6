use crate::handlers;
use chat_http::openapi::SecuritySchemes;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chat rooms",
        description = "Rooms, membership and messages. Every operation on a room checks membership: outsiders get 404. Errors use one envelope: \
                       `{\"error\": {\"code\", \"message\", \"fields\"?}}`.\n\n\
                       Authenticate with `Authorization: Bearer <access_token>` from the auth API."
    ),
    paths(
        handlers::list_rooms::list_rooms,
        handlers::room_ids::room_ids,
        handlers::open_direct::open_direct,
        handlers::get_room::get_room,
        handlers::list_messages::list_messages,
        handlers::send_message::send_message,
        handlers::mark_read::mark_read,
    ),
    modifiers(&SecuritySchemes),
    tags((name = "rooms", description = "Rooms and membership"), (name = "messages", description = "Messages, history and receipts"))
)]
pub struct ApiDoc;
