// What a CLI command run in-process writes: every test of the file gets fresh `out` / `err` lists
// (process.stdout / process.stderr writes are captured, not printed).
export interface CapturedOutput { out: string[]; err: string[] }

export function captureOutput(): CapturedOutput {
  const captured: CapturedOutput = { out: [], err: [] };
  beforeEach(() => {
    captured.out = [];
    captured.err = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => { captured.out.push(String(s)); return true; });
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => { captured.err.push(String(s)); return true; });
  });
  afterEach(() => jest.restoreAllMocks());
  return captured;
}
