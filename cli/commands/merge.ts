// gicdiff merge DIR... --out DIR : combine the shards of a campaign (fuzz/CAMPAIGN-FORMAT.md).
import { formatOptions, parseArgs, UsageError, type OptionsSpec } from '../args.js';
import { mergeCampaigns } from '../../fuzz/campaign/merge.js';

const OPTIONS: OptionsSpec = {
  out: { type: 'string', alias: 'o', value: 'DIR', description: 'the merged campaign folder (must not hold a campaign yet)' },
};

export const summary = 'combine campaign shards (or runs) into one campaign folder';
export const help = `usage: gicdiff merge DIR... --out DIR

Combines campaign folders written by \`gicdiff fuzz --shard i/N\` into one folder of the same
format: findings united by signature (counts summed, the first finding kept), rule coverage
united, totals summed, the longest elapsed time. \`gicdiff report\` reads the result.
Exit 0 on success, 2 on bad input.

options:
${formatOptions(OPTIONS)}`;

export async function main(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (!positional.length) throw new UsageError('give at least one campaign folder');
  const out = options.out as string | undefined;
  if (!out) throw new UsageError('--out DIR is required');
  const m = mergeCampaigns(positional, out);
  process.stdout.write(`merged ${positional.length} folders (${m.shards.length} shards): ${m.scenarios} scenarios, ${m.coverage.ruleCount} rules, ` +
    `findings ${m.counts.new} new, ${m.counts.known} known, ${m.counts.inconclusive} inconclusive -> ${out}\n`);
  return 0;
}
