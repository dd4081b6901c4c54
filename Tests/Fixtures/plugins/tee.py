"""Runs the external checker named by its first argument with reconcile's request, and
saves both sides of the exchange in the directory named by its second argument
(request.json, answer.json): real traffic, for the tests to validate against
docs/plugin-protocol.schema.json."""
import subprocess
import sys

program, directory = sys.argv[1], sys.argv[2]
request = sys.stdin.buffer.read()
with open(f"{directory}/request.json", "wb") as out:
    out.write(request)
done = subprocess.run([program], input=request, capture_output=True)
with open(f"{directory}/answer.json", "wb") as out:
    out.write(done.stdout)
sys.stdout.buffer.write(done.stdout)
sys.stderr.buffer.write(done.stderr)
sys.exit(done.returncode)
