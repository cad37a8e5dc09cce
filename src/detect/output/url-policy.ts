/**
 * Which URLs model output may point to. Images load without a click, so an image URL that carries
 * data to a foreign host is an exfiltration channel (the classic markdown-image leak); links need a
 * click but are the same channel. Only http(s) and mailto survive, and only to allowlisted hosts.
 */

/** Hosts and their subdomains: `example.com` allows `docs.example.com`, not `badexample.com`. */
export class HostAllowlist {
  private readonly hosts: readonly string[];

  constructor(domains: readonly string[]) {
    this.hosts = domains.map((domain) => domain.toLowerCase().replace(/^\*\./, '').replace(/\.$/, ''));
  }

  allowsHost(host: string): boolean {
    const name = host.toLowerCase().replace(/\.$/, '');
    return this.hosts.some((allowed) => name === allowed || name.endsWith(`.${allowed}`));
  }

  /**
   * Whether `raw` may stay in the output. Relative URLs stay (they resolve against the app's own
   * origin); `//host` and absolute URLs must use http(s) to an allowed host; mailto: needs no host.
   */
  allowsUrl(raw: string): boolean {
    // Browsers ignore ASCII whitespace and control characters inside schemes (`java\tscript:`).
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const url = raw.replace(/[\u0000-\u0020\u007f]/g, '');
    if (url.length === 0) return false;
    const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(url);
    if (!hasScheme && !url.startsWith('//') && !url.startsWith('\\')) return !url.includes(':');
    let parsed: URL;
    try {
      parsed = new URL(url, 'https://relative.invalid');
    } catch {
      return false;
    }
    if (parsed.protocol === 'mailto:') return true;
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
    return this.allowsHost(parsed.hostname);
  }
}
