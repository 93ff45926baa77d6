import { useEffect, useState } from 'react';
import type { Api } from '../api';
import { ChatClient } from '../client';
import { ChatContext, useChat, type ChatContextValue } from '../context';
import type { User } from '../protocol';
import { desktopNotifications, drafts, places, roomFromPath, roomPath, setStorageOwner } from '../local';
import { DesktopNotifier, faviconFor, setFavicon, tabTitle } from '../notify';
import { createStore, totalMentions, totalUnread } from '../store';
import { ChatView } from './ChatView';
import { Sidebar } from './Sidebar';

interface Props {
  api: Api;
  me: User;
  onLogout: () => void;
  onExpired: () => void;
}

export function ChatApp({ api, me, onLogout, onExpired }: Props) {
  const [ctx, setCtx] = useState<ChatContextValue | null>(null);

  useEffect(() => {
    // Created inside the effect so each mount (StrictMode mounts twice) gets its own client.
    setStorageOwner(me.id);
    const store = createStore();
    // Live messages while the tab is hidden become desktop notifications; a click opens the room.
    const notifier = new DesktopNotifier({ store, open: (roomId) => client.selectRoom(roomId), enabled: desktopNotifications.get });
    const client = new ChatClient({ api, store, me, onSessionExpired: onExpired, onMessageCreated: (m) => notifier.message(m) });
    client.start();
    void client.loadAccount();
    // The room in the address: /rooms/<id>, or a Telegram notification's /?room=<id>. After a
    // reload it opens where it was read, if that was above the newest message.
    const linked = new URLSearchParams(window.location.search).get('room');
    const wanted = linked ?? roomFromPath(window.location.pathname);
    if (wanted) {
      const place = places.get(wanted);
      if (place !== null && !linked) {
        // Shown (and in the address) at once; its messages come with the page around the place.
        store.dispatch({ type: 'select_room', room_id: wanted });
        void client.openAt(wanted, place, { highlight: false });
      } else client.selectRoom(wanted);
    }
    if (linked) window.history.replaceState(null, '', roomPath(wanted));
    setCtx({ store, client });
    const online = () => client.socket.reconnectNow();
    // Back and forward move between rooms.
    const popped = () => client.selectRoom(roomFromPath(window.location.pathname));
    // The browser knows first when the network goes: drop the socket then, so nothing shown
    // claims to be live; when it is back, connect at once instead of after the backoff.
    const offline = () => client.socket.networkLost();
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    window.addEventListener('popstate', popped);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      window.removeEventListener('popstate', popped);
      client.stop();
      // Another person may log in next in this tab: nothing of this one's stays on screen.
      notifier.stop();
    };
  }, [api, me, onExpired]);

  if (!ctx) return null;
  return (
    <ChatContext.Provider value={ctx}>
      <Layout
        onLogout={() => {
          ctx.client.stop();
          drafts.clear();
          places.clear();
          window.history.replaceState(null, '', '/');
          onLogout();
        }}
      />
    </ChatContext.Provider>
  );
}

function Layout({ onLogout }: { onLogout: () => void }) {
  const selected = useChat((s) => s.selectedRoomId);
  const unread = useChat(totalUnread);
  const mentions = useChat(totalMentions);
  const notice = useChat((s) => s.notice);

  // The count shows on the tab: in its title (with the mentions of me), and on its icon (where
  // the title is cut off).
  useEffect(() => {
    document.title = tabTitle(unread, mentions);
  }, [unread, mentions]);
  useEffect(() => {
    setFavicon(faviconFor(unread));
  }, [unread]);
  // Logged out: no count is left on the tab.
  useEffect(
    () => () => {
      document.title = 'Chat';
      setFavicon(faviconFor(0));
    },
    [],
  );

  // Each room has an address; opening another one is a step the back button undoes.
  useEffect(() => {
    const path = roomPath(selected);
    if (window.location.pathname !== path) window.history.pushState(null, '', path);
  }, [selected]);

  return (
    <div className={`app ${selected ? 'view-chat' : 'view-list'}`}>
      <Sidebar onLogout={onLogout} />
      <ChatView />
      {notice && (
        <div className="notice" role="alert" data-testid="notice">
          {notice}
        </div>
      )}
    </div>
  );
}
