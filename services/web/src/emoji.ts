// The emoji offered by the reaction picker, their search, and the server's canonical form of an emoji.
// No React, no state.

/** One pickable emoji: the emoji itself (canonical form), a lowercase CLDR-like name, a few keywords. */
export interface EmojiInfo {
  e: string;
  n: string;
  k: string[];
}

/** The reactions offered before any search, in the picker's quick row. */
export const QUICK = ['👍', '❤️', '😂', '😮', '😢', '🙏', '🎉', '🔥'];

/**
 * About 200 common emoji, in the canonical form of `canonicalEmoji` (so BMP pictographs carry U+FE0F,
 * e.g. '⭐️', and astral ones carry none). Smileys first, then hearts, hands, people, nature, food,
 * activities, objects and symbols.
 */
export const EMOJI: EmojiInfo[] = [
  { e: '😀', n: 'grinning face', k: ['smile', 'happy'] },
  { e: '😄', n: 'grinning face with smiling eyes', k: ['smile', 'happy', 'laugh'] },
  { e: '😆', n: 'grinning squinting face', k: ['laugh', 'haha'] },
  { e: '😅', n: 'grinning face with sweat', k: ['phew', 'nervous'] },
  { e: '🤣', n: 'rolling on the floor laughing', k: ['rofl', 'lol', 'haha'] },
  { e: '😂', n: 'face with tears of joy', k: ['lol', 'laugh', 'funny', 'haha'] },
  { e: '🙂', n: 'slightly smiling face', k: ['smile'] },
  { e: '🙃', n: 'upside-down face', k: ['silly', 'sarcasm'] },
  { e: '😉', n: 'winking face', k: ['wink'] },
  { e: '😊', n: 'smiling face with smiling eyes', k: ['blush', 'happy'] },
  { e: '😇', n: 'smiling face with halo', k: ['angel', 'innocent'] },
  { e: '🥰', n: 'smiling face with hearts', k: ['love', 'adore'] },
  { e: '😍', n: 'smiling face with heart-eyes', k: ['love', 'crush'] },
  { e: '🤩', n: 'star-struck', k: ['wow', 'amazing'] },
  { e: '😘', n: 'face blowing a kiss', k: ['kiss', 'love'] },
  { e: '☺️', n: 'smiling face', k: ['smile', 'happy'] },
  { e: '😋', n: 'face savoring food', k: ['yum', 'delicious'] },
  { e: '😜', n: 'winking face with tongue', k: ['joke', 'silly'] },
  { e: '🤪', n: 'zany face', k: ['crazy', 'goofy'] },
  { e: '🤗', n: 'hugging face', k: ['hug'] },
  { e: '🤫', n: 'shushing face', k: ['quiet', 'secret'] },
  { e: '🤔', n: 'thinking face', k: ['think', 'hmm'] },
  { e: '🤐', n: 'zipper-mouth face', k: ['secret', 'quiet'] },
  { e: '🤨', n: 'face with raised eyebrow', k: ['skeptic', 'doubt'] },
  { e: '😐', n: 'neutral face', k: ['meh'] },
  { e: '😶', n: 'face without mouth', k: ['silent', 'speechless'] },
  { e: '😏', n: 'smirking face', k: ['smirk'] },
  { e: '😒', n: 'unamused face', k: ['meh', 'unhappy'] },
  { e: '🙄', n: 'face with rolling eyes', k: ['eyeroll', 'whatever'] },
  { e: '😬', n: 'grimacing face', k: ['awkward', 'yikes'] },
  { e: '😌', n: 'relieved face', k: ['relief', 'calm'] },
  { e: '😔', n: 'pensive face', k: ['sad', 'dejected'] },
  { e: '😴', n: 'sleeping face', k: ['sleep', 'tired', 'bored'] },
  { e: '😷', n: 'face with medical mask', k: ['sick', 'ill'] },
  { e: '🤢', n: 'nauseated face', k: ['sick', 'gross'] },
  { e: '🤮', n: 'face vomiting', k: ['sick', 'gross', 'puke'] },
  { e: '😵', n: 'face with crossed-out eyes', k: ['dizzy', 'dead'] },
  { e: '🤯', n: 'exploding head', k: ['mind', 'blown', 'shocked'] },
  { e: '🥳', n: 'partying face', k: ['party', 'celebrate', 'birthday'] },
  { e: '😎', n: 'smiling face with sunglasses', k: ['cool', 'sunglasses'] },
  { e: '🤓', n: 'nerd face', k: ['geek', 'nerd'] },
  { e: '🧐', n: 'face with monocle', k: ['inspect', 'curious'] },
  { e: '😟', n: 'worried face', k: ['worry', 'concern'] },
  { e: '☹️', n: 'frowning face', k: ['sad', 'frown'] },
  { e: '😮', n: 'face with open mouth', k: ['wow', 'surprise', 'oh'] },
  { e: '😳', n: 'flushed face', k: ['embarrassed', 'blush'] },
  { e: '🥺', n: 'pleading face', k: ['please', 'puppy', 'beg'] },
  { e: '😰', n: 'anxious face with sweat', k: ['nervous', 'anxious'] },
  { e: '😢', n: 'crying face', k: ['sad', 'tear', 'cry'] },
  { e: '😭', n: 'loudly crying face', k: ['sob', 'cry', 'sad'] },
  { e: '😱', n: 'face screaming in fear', k: ['scream', 'scared', 'omg'] },
  { e: '😞', n: 'disappointed face', k: ['sad', 'disappointed'] },
  { e: '😩', n: 'weary face', k: ['tired', 'frustrated'] },
  { e: '🥱', n: 'yawning face', k: ['bored', 'tired', 'yawn'] },
  { e: '😤', n: 'face with steam from nose', k: ['triumph', 'angry', 'huff'] },
  { e: '😡', n: 'enraged face', k: ['angry', 'mad', 'rage'] },
  { e: '🤬', n: 'face with symbols on mouth', k: ['swearing', 'cursing', 'angry'] },
  { e: '😈', n: 'smiling face with horns', k: ['devil', 'evil'] },
  { e: '💀', n: 'skull', k: ['dead', 'death', 'dying'] },
  { e: '☠️', n: 'skull and crossbones', k: ['danger', 'poison', 'dead'] },
  { e: '💩', n: 'pile of poo', k: ['poop', 'crap'] },
  { e: '🤡', n: 'clown face', k: ['clown'] },
  { e: '👻', n: 'ghost', k: ['boo', 'halloween'] },
  { e: '👽', n: 'alien', k: ['ufo', 'space'] },
  { e: '🤖', n: 'robot', k: ['bot', 'machine'] },
  { e: '😹', n: 'cat with tears of joy', k: ['cat', 'lol', 'laugh'] },
  { e: '😻', n: 'smiling cat with heart-eyes', k: ['cat', 'love'] },
  { e: '🙈', n: 'see-no-evil monkey', k: ['monkey', 'oops', 'shy'] },
  { e: '❤️', n: 'red heart', k: ['love', 'like', 'heart'] },
  { e: '🧡', n: 'orange heart', k: ['love', 'heart'] },
  { e: '💛', n: 'yellow heart', k: ['love', 'heart'] },
  { e: '💚', n: 'green heart', k: ['love', 'heart'] },
  { e: '💙', n: 'blue heart', k: ['love', 'heart'] },
  { e: '💜', n: 'purple heart', k: ['love', 'heart'] },
  { e: '🖤', n: 'black heart', k: ['love', 'heart'] },
  { e: '🤍', n: 'white heart', k: ['love', 'heart'] },
  { e: '💔', n: 'broken heart', k: ['heartbreak', 'sad'] },
  { e: '❤️‍🔥', n: 'heart on fire', k: ['love', 'passion', 'burn'] },
  { e: '❣️', n: 'heart exclamation', k: ['love', 'heart'] },
  { e: '💕', n: 'two hearts', k: ['love'] },
  { e: '💖', n: 'sparkling heart', k: ['love', 'sparkle'] },
  { e: '💯', n: 'hundred points', k: ['100', 'perfect', 'score'] },
  { e: '💥', n: 'collision', k: ['boom', 'bang'] },
  { e: '💫', n: 'dizzy', k: ['star'] },
  { e: '💬', n: 'speech balloon', k: ['chat', 'comment', 'talk'] },
  { e: '💤', n: 'zzz', k: ['sleep', 'tired'] },
  { e: '👋', n: 'waving hand', k: ['wave', 'hello', 'hi', 'bye'] },
  { e: '✋️', n: 'raised hand', k: ['stop', 'high five'] },
  { e: '🖖', n: 'vulcan salute', k: ['spock', 'star trek'] },
  { e: '👌', n: 'ok hand', k: ['ok', 'perfect', 'fine'] },
  { e: '✌️', n: 'victory hand', k: ['peace', 'victory'] },
  { e: '🤞', n: 'crossed fingers', k: ['luck', 'hope'] },
  { e: '🤟', n: 'love-you gesture', k: ['love', 'ily'] },
  { e: '🤘', n: 'sign of the horns', k: ['rock', 'metal'] },
  { e: '🤙', n: 'call me hand', k: ['call', 'shaka'] },
  { e: '👉', n: 'backhand index pointing right', k: ['point', 'right'] },
  { e: '☝️', n: 'index pointing up', k: ['point', 'up', 'this'] },
  { e: '👍', n: 'thumbs up', k: ['like', 'yes', '+1', 'agree', 'approve'] },
  { e: '👎', n: 'thumbs down', k: ['dislike', 'no', '-1', 'disagree'] },
  { e: '✊️', n: 'raised fist', k: ['fist', 'solidarity'] },
  { e: '👊', n: 'oncoming fist', k: ['punch', 'bump'] },
  { e: '👏', n: 'clapping hands', k: ['clap', 'applause', 'bravo'] },
  { e: '🙌', n: 'raising hands', k: ['hooray', 'celebrate', 'praise'] },
  { e: '🤝', n: 'handshake', k: ['deal', 'agreement', 'meeting'] },
  { e: '🙏', n: 'folded hands', k: ['please', 'thanks', 'pray', 'hope'] },
  { e: '✍️', n: 'writing hand', k: ['write', 'sign'] },
  { e: '💪', n: 'flexed biceps', k: ['strong', 'muscle', 'power'] },
  { e: '👀', n: 'eyes', k: ['look', 'see', 'watch'] },
  { e: '🧠', n: 'brain', k: ['smart', 'think'] },
  { e: '🙋', n: 'person raising hand', k: ['me', 'question', 'volunteer'] },
  { e: '🤦', n: 'person facepalming', k: ['facepalm', 'ugh'] },
  { e: '🤷', n: 'person shrugging', k: ['shrug', 'whatever', 'dunno'] },
  { e: '🤷‍♂️', n: 'man shrugging', k: ['shrug', 'dunno'] },
  { e: '🤷‍♀️', n: 'woman shrugging', k: ['shrug', 'dunno'] },
  { e: '🙅', n: 'person gesturing no', k: ['no', 'nope'] },
  { e: '🧑‍💻', n: 'technologist', k: ['coder', 'developer', 'computer'] },
  { e: '💃', n: 'woman dancing', k: ['dance', 'party'] },
  { e: '🕺', n: 'man dancing', k: ['dance', 'party'] },
  { e: '🐶', n: 'dog face', k: ['dog', 'puppy', 'pet'] },
  { e: '🐱', n: 'cat face', k: ['cat', 'kitten', 'pet'] },
  { e: '🦊', n: 'fox', k: ['animal'] },
  { e: '🐻', n: 'bear', k: ['animal'] },
  { e: '🐼', n: 'panda', k: ['animal'] },
  { e: '🦁', n: 'lion', k: ['animal', 'cat'] },
  { e: '🐸', n: 'frog', k: ['animal'] },
  { e: '🐧', n: 'penguin', k: ['animal', 'bird'] },
  { e: '🦄', n: 'unicorn', k: ['magic', 'fantasy'] },
  { e: '🐝', n: 'honeybee', k: ['bee', 'insect'] },
  { e: '🦋', n: 'butterfly', k: ['insect', 'pretty'] },
  { e: '🐢', n: 'turtle', k: ['slow', 'tortoise'] },
  { e: '🐳', n: 'spouting whale', k: ['whale', 'sea'] },
  { e: '🦖', n: 't-rex', k: ['dinosaur', 'tyrannosaurus'] },
  { e: '🌸', n: 'cherry blossom', k: ['flower', 'spring'] },
  { e: '🌹', n: 'rose', k: ['flower', 'love'] },
  { e: '🌻', n: 'sunflower', k: ['flower', 'summer'] },
  { e: '🌱', n: 'seedling', k: ['plant', 'grow', 'sprout'] },
  { e: '🍀', n: 'four leaf clover', k: ['luck', 'irish'] },
  { e: '🌈', n: 'rainbow', k: ['weather', 'pride'] },
  { e: '☀️', n: 'sun', k: ['sunny', 'weather', 'summer'] },
  { e: '🌙', n: 'crescent moon', k: ['night', 'moon'] },
  { e: '⭐️', n: 'star', k: ['favorite', 'star'] },
  { e: '🌟', n: 'glowing star', k: ['shine', 'star'] },
  { e: '✨️', n: 'sparkles', k: ['shiny', 'magic', 'new'] },
  { e: '⚡️', n: 'high voltage', k: ['lightning', 'zap', 'fast'] },
  { e: '🔥', n: 'fire', k: ['lit', 'hot', 'flame'] },
  { e: '❄️', n: 'snowflake', k: ['snow', 'cold', 'winter'] },
  { e: '☔️', n: 'umbrella with rain drops', k: ['rain', 'weather'] },
  { e: '🌊', n: 'water wave', k: ['ocean', 'sea', 'wave'] },
  { e: '🍎', n: 'red apple', k: ['fruit', 'apple'] },
  { e: '🍌', n: 'banana', k: ['fruit'] },
  { e: '🍉', n: 'watermelon', k: ['fruit', 'summer'] },
  { e: '🍓', n: 'strawberry', k: ['fruit', 'berry'] },
  { e: '🥑', n: 'avocado', k: ['fruit', 'food'] },
  { e: '🍕', n: 'pizza', k: ['food', 'slice'] },
  { e: '🍔', n: 'hamburger', k: ['burger', 'food'] },
  { e: '🍟', n: 'french fries', k: ['chips', 'food'] },
  { e: '🍣', n: 'sushi', k: ['food', 'japanese'] },
  { e: '🍩', n: 'doughnut', k: ['donut', 'sweet'] },
  { e: '🍪', n: 'cookie', k: ['sweet', 'biscuit'] },
  { e: '🎂', n: 'birthday cake', k: ['birthday', 'cake', 'party'] },
  { e: '🍿', n: 'popcorn', k: ['movie', 'snack', 'drama'] },
  { e: '☕️', n: 'hot beverage', k: ['coffee', 'tea', 'drink'] },
  { e: '🍻', n: 'clinking beer mugs', k: ['beer', 'cheers', 'drink'] },
  { e: '🥂', n: 'clinking glasses', k: ['cheers', 'celebrate', 'toast'] },
  { e: '🍷', n: 'wine glass', k: ['wine', 'drink'] },
  { e: '🎉', n: 'party popper', k: ['party', 'celebrate', 'congrats', 'tada'] },
  { e: '🎈', n: 'balloon', k: ['party', 'birthday'] },
  { e: '🎁', n: 'wrapped gift', k: ['present', 'gift', 'birthday'] },
  { e: '🏆', n: 'trophy', k: ['win', 'prize', 'champion'] },
  { e: '🥇', n: '1st place medal', k: ['first', 'gold', 'win'] },
  { e: '🏅', n: 'sports medal', k: ['medal', 'award'] },
  { e: '⚽️', n: 'soccer ball', k: ['football', 'sport'] },
  { e: '🏀', n: 'basketball', k: ['ball', 'sport'] },
  { e: '🎮', n: 'video game', k: ['game', 'controller', 'play'] },
  { e: '🎯', n: 'bullseye', k: ['target', 'direct hit', 'goal'] },
  { e: '🎶', n: 'musical notes', k: ['music', 'song'] },
  { e: '🎧', n: 'headphone', k: ['music', 'listen'] },
  { e: '💻', n: 'laptop', k: ['computer', 'work'] },
  { e: '📱', n: 'mobile phone', k: ['phone', 'cell'] },
  { e: '⏰️', n: 'alarm clock', k: ['time', 'wake', 'late'] },
  { e: '⏳️', n: 'hourglass not done', k: ['time', 'wait', 'loading'] },
  { e: '💡', n: 'light bulb', k: ['idea', 'bright'] },
  { e: '📌', n: 'pushpin', k: ['pin', 'important'] },
  { e: '✏️', n: 'pencil', k: ['write', 'edit'] },
  { e: '📝', n: 'memo', k: ['note', 'write'] },
  { e: '📈', n: 'chart increasing', k: ['growth', 'up', 'stonks'] },
  { e: '🔒', n: 'locked', k: ['lock', 'secure', 'private'] },
  { e: '🔑', n: 'key', k: ['lock', 'password'] },
  { e: '🔔', n: 'bell', k: ['notification', 'ring'] },
  { e: '📣', n: 'megaphone', k: ['announcement', 'loud'] },
  { e: '💰', n: 'money bag', k: ['money', 'rich', 'dollar'] },
  { e: '💎', n: 'gem stone', k: ['diamond', 'jewel'] },
  { e: '👑', n: 'crown', k: ['king', 'queen', 'royal'] },
  { e: '🚀', n: 'rocket', k: ['launch', 'ship', 'space', 'fast'] },
  { e: '✈️', n: 'airplane', k: ['flight', 'travel', 'plane'] },
  { e: '🏠', n: 'house', k: ['home'] },
  { e: '🌍', n: 'globe showing europe-africa', k: ['world', 'earth'] },
  { e: '✅️', n: 'check mark button', k: ['done', 'yes', 'ok', 'tick'] },
  { e: '✔️', n: 'check mark', k: ['done', 'yes', 'tick'] },
  { e: '❌️', n: 'cross mark', k: ['no', 'wrong', 'delete', 'x'] },
  { e: '➕️', n: 'plus', k: ['add', '+1'] },
  { e: '❓️', n: 'red question mark', k: ['question', 'what'] },
  { e: '❗️', n: 'red exclamation mark', k: ['important', 'bang'] },
  { e: '‼️', n: 'double exclamation mark', k: ['important', 'bang'] },
  { e: '⁉️', n: 'exclamation question mark', k: ['what', 'interrobang'] },
  { e: '⚠️', n: 'warning', k: ['caution', 'alert'] },
  { e: '⛔️', n: 'no entry', k: ['stop', 'forbidden'] },
  { e: '🚫', n: 'prohibited', k: ['no', 'forbidden', 'not allowed'] },
  { e: '🆗', n: 'ok button', k: ['ok', 'okay'] },
  { e: '🆘', n: 'sos button', k: ['help', 'emergency'] },
  { e: '⬆️', n: 'up arrow', k: ['up', 'upvote'] },
  { e: '➡️', n: 'right arrow', k: ['next', 'right'] },
  { e: '🔄', n: 'counterclockwise arrows button', k: ['sync', 'refresh', 'repeat'] },
  { e: '♻️', n: 'recycling symbol', k: ['recycle', 'reuse'] },
  { e: '1️⃣', n: 'keycap: 1', k: ['one', 'first'] },
  { e: '#️⃣', n: 'keycap: #', k: ['hash', 'number'] },
  { e: '🔴', n: 'red circle', k: ['red', 'dot'] },
  { e: '🟢', n: 'green circle', k: ['green', 'dot'] },
  { e: '🏁', n: 'chequered flag', k: ['finish', 'race', 'done'] },
];

const VS16 = '\uFE0F';
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
const KEYCAP_BASE = /^[0-9#*]$/;
const isSkinTone = (cp: number | undefined) => cp !== undefined && cp >= 0x1f3fb && cp <= 0x1f3ff;

/**
 * The server's canonical form of an emoji: every U+FE0F removed, then one put back after each BMP
 * pictograph or keycap base (0-9 # *) that is not followed by a skin tone. So '❤' and '❤️' are
 * both '❤️', '#⃣' is '#️⃣', while astral emoji ('👍') carry none and '👍🏽' is unchanged.
 */
export function canonicalEmoji(e: string): string {
  const chars = [...e.replaceAll(VS16, '')];
  let out = '';
  chars.forEach((c, i) => {
    out += c;
    const bmp = c.codePointAt(0)! <= 0xffff;
    if (bmp && (PICTOGRAPH.test(c) || KEYCAP_BASE.test(c)) && !isSkinTone(chars[i + 1]?.codePointAt(0))) out += VS16;
  });
  return out;
}

/** The words an emoji is found by: those of its name and keywords, also split at '-' and ':'. */
const WORDS = new Map<string, string[]>(
  EMOJI.map((x) => {
    const words = [x.n, ...x.k].join(' ').toLowerCase().split(/\s+/).filter(Boolean);
    const parts = words.flatMap((w) => w.split(/[-:]/)).filter(Boolean);
    return [x.e, [...new Set([...words, ...parts])]];
  }),
);

/** The emoji where each query word starts some word of the name or keywords; all of them for a blank query. */
export function searchEmoji(q: string, limit = 48): EmojiInfo[] {
  const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return EMOJI.slice(0, limit);
  const hits: EmojiInfo[] = [];
  for (const x of EMOJI) {
    const words = WORDS.get(x.e)!;
    if (terms.every((t) => words.some((w) => w.startsWith(t)))) hits.push(x);
    if (hits.length >= limit) break;
  }
  return hits;
}

/** The name of an emoji of the list, else the emoji itself. */
export function emojiName(e: string): string {
  return EMOJI.find((x) => x.e === e)?.n ?? e;
}
