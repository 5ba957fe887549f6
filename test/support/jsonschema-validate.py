#!/usr/bin/env python3
"""validate DOC against SCHEMA (draft-04, sibling files resolved by relative $ref); prints a JSON
list of error messages (empty when valid). Works with jsonschema 4.10 (Debian 12's
python3-jsonschema, RefResolver) and with >= 4.18 (referencing).
Usage: jsonschema-validate.py SCHEMA DOC"""
import json, pathlib, sys
import jsonschema

schema_path = pathlib.Path(sys.argv[1]).resolve()
doc = json.loads(pathlib.Path(sys.argv[2]).read_text())
schemas = {f.as_uri(): json.loads(f.read_text()) for f in schema_path.parent.glob('*.json')}
try:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4
    registry = Registry().with_resources((u, Resource.from_contents(s, default_specification=DRAFT4)) for u, s in schemas.items())
    validator = jsonschema.Draft4Validator({'$ref': schema_path.as_uri()}, registry=registry)
except ImportError:
    resolver = jsonschema.RefResolver(base_uri=schema_path.as_uri(), referrer=schemas[schema_path.as_uri()], store=schemas)
    validator = jsonschema.Draft4Validator(schemas[schema_path.as_uri()], resolver=resolver)
print(json.dumps(sorted(f'{"/".join(map(str, e.absolute_path))}: {e.message}' for e in validator.iter_errors(doc))))
