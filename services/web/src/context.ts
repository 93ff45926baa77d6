import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ChatClient } from './client';
import type { ChatState, Store } from './store';

export interface ChatContextValue {
  store: Store;
  client: ChatClient;
}

export const ChatContext = createContext<ChatContextValue | null>(null);

export function useChatContext(): ChatContextValue {
  const v = useContext(ChatContext);
  if (!v) throw new Error('useChatContext outside ChatContext');
  return v;
}

export function useClient(): ChatClient {
  return useChatContext().client;
}

/** Subscribes to one slice of the store; the selector must return stable references. */
export function useChat<T>(selector: (s: ChatState) => T): T {
  const { store } = useChatContext();
  const get = () => selector(store.getState());
  return useSyncExternalStore(store.subscribe, get, get);
}
