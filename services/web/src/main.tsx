import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
// Emoji never render as boxes: the system's emoji font where it has one, else Twemoji (a COLR
// font, which Chromium, Firefox and Safari all draw; fetched only when a glyph falls to it).
import 'twemoji-colr-font/twemoji.css';
import './styles.css';
import './markdown.css';
import './features.css';
import './mentions.css';
import './attachments.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
