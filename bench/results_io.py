"""results_io.py -- reading and writing the JSON of bench/results, shared by
report.py (the problems) and report_examples.py (the networks)."""
import json
import os


def load(path):
    """The JSON document at path, or None if it is missing or not JSON."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_lines(path):
    """The documents of a .jsonl file; a line that is not JSON is kept as
    {"error": line} so that the table says what went wrong."""
    docs = []
    try:
        with open(path) as f:
            for line in f:
                if line.strip():
                    try:
                        docs.append(json.loads(line))
                    except ValueError:
                        docs.append({"error": line.strip()[:200]})
    except OSError:
        pass
    return docs


def write(out_path, doc):
    """Writes doc to out_path (its directory made if need be) and says so."""
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"\nwritten: {out_path}")
