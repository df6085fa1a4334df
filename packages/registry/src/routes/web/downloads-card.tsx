import { compareVersions, type DownloadsDto, type Version } from '@flock/core';

/**
 * Where a package page's downloads card goes. Anonymous package pages are cached whole until the
 * package changes (routes/web/index.tsx), but counts change without a publish: so the cached page
 * holds this marker, and every answer, cached or not, fills it with a card built from the counts as
 * last flushed (services/downloads.ts reuses them for at most one flush interval and drops them on
 * its own flush). The page is never stale for counts by more than that, and stays cached whole.
 */
export const DOWNLOADS_SLOT = '<!--flock:downloads-->';

/** `html` with its (last) downloads slot filled by `card`. The slot is in the aside, after the README, so the last one is ours. */
export function fillDownloadsSlot(html: string, card: string): string {
  const at = html.lastIndexOf(DOWNLOADS_SLOT);
  return at < 0 ? html : html.slice(0, at) + card + html.slice(at + DOWNLOADS_SLOT.length);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

const BAR = 3;
const HEIGHT = 40;

/**
 * The daily downloads as an inline SVG bar chart, one bar per day, oldest left. Colours come from
 * CSS (currentColor), so no inline style is needed under the CSP. For screen readers it is one image
 * whose label gives the numbers; each bar's <title> gives its day on hover.
 */
export function DownloadsChart({ daily }: { daily: DownloadsDto['daily'] }) {
  const total = daily.reduce((sum, d) => sum + d.count, 0);
  const peak = daily.reduce((best, d) => (d.count > best.count ? d : best), { day: '', count: 0 });
  const first = daily[0]?.day ?? '';
  const last = daily[daily.length - 1]?.day ?? '';
  const label = `Downloads per day from ${first} to ${last}: ${formatCount(total)} in all` + (peak.count > 0 ? `, most on ${peak.day} (${formatCount(peak.count)})` : '');
  return (
    <svg class="downloads-chart" role="img" aria-label={label} viewBox={`0 0 ${daily.length * BAR} ${HEIGHT}`} width="100%" height={HEIGHT} preserveAspectRatio="none" fill="currentColor">
      <title>{label}</title>
      {daily.map((d, i) => {
        // Days without downloads draw nothing: most days of most packages, and bytes on every page view.
        if (d.count === 0) return null;
        const h = Math.max(1, Math.round((d.count / peak.count) * HEIGHT));
        return <rect x={i * BAR} y={HEIGHT - h} width={BAR - 1} height={h}><title>{`${d.day}: ${formatCount(d.count)}`}</title></rect>;
      })}
    </svg>
  );
}

/** The downloads card of a package page's aside: totals, the 90-day chart, and the counts of the newest versions. */
export function DownloadsCard({ downloads }: { downloads: DownloadsDto }) {
  const recent = downloads.daily.reduce((sum, d) => sum + d.count, 0);
  const versions = Object.entries(downloads.versions).sort(([a], [b]) => compareVersions(b as Version, a as Version)).slice(0, 10);
  return (
    <div class="card" id="downloads">
      <div>Downloads</div>
      <dl>
        <dt>All time</dt>
        <dd id="downloads-total">{formatCount(downloads.total)}</dd>
        <dt>Last {downloads.daily.length} days</dt>
        <dd id="downloads-recent">{formatCount(recent)}</dd>
      </dl>
      <DownloadsChart daily={downloads.daily} />
      {versions.length > 0 ? (
        <>
          <div class="muted">By version</div>
          <ul class="versions" id="downloads-versions">
            {versions.map(([version, count]) => (
              <li><span>{version}</span><span data-version={version}>{formatCount(count)}</span></li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** The card as HTML, for fillDownloadsSlot. */
export async function renderDownloadsCard(downloads: DownloadsDto): Promise<string> {
  return String(await (<DownloadsCard downloads={downloads} />).toString());
}
