import { useEffect, useState } from 'react';
import type { Api } from '../api';
import { ChatClient } from '../client';
import { ChatContext, useChat, type ChatContextValue } from '../context';
import type { User } from '../protocol';
import { createStore, totalUnread } from '../store';
import { ChatView } from './ChatView';
import { clearDrafts } from './Composer';
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
    const store = createStore();
    const client = new ChatClient({ api, store, me, onSessionExpired: onExpired });
    client.start();
    void client.loadAccount();
    // A link from a Telegram notification: /?room=<id> opens that room.
    const wanted = new URLSearchParams(window.location.search).get('room');
    if (wanted) {
      client.selectRoom(wanted);
      window.history.replaceState(null, '', window.location.pathname);
    }
    setCtx({ store, client });
    const online = () => client.socket.reconnectNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      client.stop();
    };
  }, [api, me, onExpired]);

  if (!ctx) return null;
  return (
    <ChatContext.Provider value={ctx}>
      <Layout
        onLogout={() => {
          ctx.client.stop();
          clearDrafts();
          onLogout();
        }}
      />
    </ChatContext.Provider>
  );
}

function Layout({ onLogout }: { onLogout: () => void }) {
  const selected = useChat((s) => s.selectedRoomId);
  const unread = useChat(totalUnread);
  const notice = useChat((s) => s.notice);

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Chat` : 'Chat';
  }, [unread]);

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
