// Formatting helpers for times, durations, names and browsers.

/**
 * Local wall-clock time of an ISO timestamp, e.g. "19:04".
 * @param {string} iso
 */
export function formatClock(iso) {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/**
 * Date and time of an ISO timestamp, e.g. "23 Nov 2026, 19:04".
 * @param {string} iso
 */
export function formatDateTime(iso) {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  return d.toLocaleString([], { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

/**
 * How long ago `iso` was, compactly: "just now", "45 s", "12 min", "2 h 5 min", "3 d".
 * @param {string} iso
 * @param {number} [now] milliseconds since the epoch
 */
export function formatElapsed(iso, now = Date.now()) {
  const start = Date.parse(iso);
  if (isNaN(start)) return "";
  const s = Math.max(0, Math.floor((now - start) / 1000));
  if (s < 10) return "just now";
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return m % 60 ? `${hrs} h ${m % 60} min` : `${hrs} h`;
  return `${Math.floor(hrs / 24)} d`;
}

/**
 * The current time in the visitor's IANA time zone, e.g. "20:04 (Europe/London)"; null if the
 * zone is missing or unknown to this browser.
 * @param {string | null | undefined} timeZone
 * @param {Date} [now]
 */
export function localTimeIn(timeZone, now = new Date()) {
  if (!timeZone) return null;
  try {
    const time = new Intl.DateTimeFormat([], { timeZone, hour: "2-digit", minute: "2-digit", weekday: "short" }).format(now);
    return `${time} (${timeZone})`;
  } catch (e) {
    return null; // RangeError: a zone this browser does not know
  }
}

/**
 * A visitor's display name.
 * @param {{name?: string|null} | null | undefined} visitor
 */
export function visitorName(visitor) {
  return (visitor && visitor.name) || "Visitor";
}

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
/** @type {Array<[string, RegExp]>} */
const BROWSERS = [
  ["Edge", /Edg(?:e|A|iOS)?\/(\d+)/],
  ["Opera", /(?:OPR|Opera)\/(\d+)/],
  ["Samsung Internet", /SamsungBrowser\/(\d+)/],
  ["Firefox", /(?:Firefox|FxiOS)\/(\d+)/],
  ["Chrome", /(?:Chrome|CriOS)\/(\d+)/],
  ["Safari", /Version\/(\d+)[.\d]* (?:Mobile\/\S+ )?Safari/],
];
/** @type {Array<[string, RegExp]>} */
const SYSTEMS = [
  ["iOS", /iPhone|iPad|iPod/],
  ["Android", /Android/],
  ["Windows", /Windows/],
  ["ChromeOS", /CrOS/],
  ["macOS", /Mac OS X|Macintosh/],
  ["Linux", /Linux/],
];

/**
 * A short summary of a User-Agent header, e.g. "Chrome 120 on Windows".
 * @param {string | null | undefined} ua
 */
export function summariseUserAgent(ua) {
  if (!ua) return "Unknown";
  let browser = null;
  for (const [name, re] of BROWSERS) {
    const m = ua.match(re);
    if (m) {
      browser = `${name} ${m[1]}`;
      break;
    }
  }
  const system = (SYSTEMS.find(([, re]) => re.test(ua)) || [])[0];
  if (!browser && !system) return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
  if (!browser) return system;
  return system ? `${browser} on ${system}` : browser;
}
