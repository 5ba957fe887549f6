#!/usr/bin/env python3
"""validate DOC against SCHEMA (draft-04, with sibling files resolved by relative $ref); prints a
JSON list of error messages (empty when valid). Usage: jsonschema-validate.py SCHEMA DOC"""
import json, pathlib, sys
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

schema_path = pathlib.Path(sys.argv[1]).resolve()
resources = []
for f in schema_path.parent.glob('*.json'):
    resources.append((f.as_uri(), Resource.from_contents(json.loads(f.read_text()), default_specification=DRAFT4)))
registry = Registry().with_resources(resources)
schema = {'$ref': schema_path.as_uri()}
validator = jsonschema.Draft4Validator(schema, registry=registry)
doc = json.loads(pathlib.Path(sys.argv[2]).read_text())
print(json.dumps(sorted(f'{"/".join(map(str, e.absolute_path))}: {e.message}' for e in validator.iter_errors(doc))))
