"""Ruby, Bundler, RSpec and Minitest failing for real: gems that cannot be loaded or are
not installed, `ENV.fetch` on unset variables, failed `eq`/`assert_equal` expectations
and changed interfaces, refused, silent and unresolvable connections, permission errors
as an unprivileged user, broken YAML/JSON/Gemfiles, and ordinary crashes."""

from __future__ import annotations

import random

import common
from common import Case, Services, route

GEMS = ["nokogiri", "rails", "sinatra", "pg", "redis", "sidekiq", "httparty", "faraday", "aws-sdk-s3", "jwt", "dotenv",
        "rspec/rails", "active_support/core_ext", "devise", "puma", "rack/test", "factory_bot", "webmock/rspec", "vcr",
        "capybara/rspec", "pry", "octokit", "stripe", "sequel", "mysql2", "grpc", "google/cloud/storage", "bcrypt"]
PRE = ["ruby --version", "gem --version", "bundle --version", "echo \"Ruby: $(ruby -e 'print RUBY_VERSION')\""]


def pre(rng: random.Random) -> str:
    return "\n".join(rng.sample(PRE, rng.choice([0, 1, 1, 2])))


def join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def build(rng: random.Random, svc: Services) -> list[Case]:
    cases = []
    for i, gem in enumerate(GEMS):
        shape = i % 3
        if shape == 0:
            files = {"lib/app.rb": f"require 'json'\nrequire '{gem}'\n\nputs 'loaded'\n"}
            cmd = "ruby lib/app.rb"
        elif shape == 1:
            files = {"spec/spec_helper.rb": f"require '{gem}'\n", "spec/app_spec.rb": "require_relative 'spec_helper'\n\nRSpec.describe 'app' do\n  it 'works' do\n    expect(1).to eq(1)\n  end\nend\n"}
            cmd = "rspec"
        else:
            files = {"Rakefile": f"require '{gem}'\n\ntask :default do\n  puts 'ok'\nend\n"}
            cmd = "ruby -e 'load \"Rakefile\"'"
        cases.append(Case("dependency_missing", f"ruby require of missing {gem} (shape {shape})", join(pre(rng), cmd), files=files,
                          kind="shell", expect="cannot load such file"))
    for gem, ver in [("rails", "7.1.3"), ("sinatra", "4.0.0"), ("pg", "1.5.6"), ("rspec", "3.13.0"), ("rubocop", "1.63.0"), ("puma", "6.4.2")]:
        files = {"Gemfile": f"source 'https://rubygems.org'\n\ngem '{gem}', '{ver}'\n", "Gemfile.lock": f"GEM\n  remote: https://rubygems.org/\n  specs:\n    {gem} ({ver})\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  {gem} (= {ver})\n\nBUNDLED WITH\n   2.3.7\n"}
        cmd = rng.choice(["bundle exec rspec", "bundle exec rake test", f"bundle exec {gem} --version"])
        cases.append(Case("dependency_missing", f"bundle exec with {gem} {ver} not installed", join(pre(rng), cmd), files=files, kind="shell",
                          netns=True, env={"BUNDLE_FROZEN": "true"}, expect="Could not find|GemNotFound|not installed|command not found"))
    for gem, ver in [("rake", "99.0"), ("minitest", "9.9"), ("json", "0.1"), ("rack", "8.0")]:
        cases.append(Case("dependency_missing", f"Gem activation of {gem} {ver}", join(pre(rng), f"ruby -e \"gem '{gem}', '{ver}'; require '{gem}'\""),
                          kind="shell", expect="MissingSpec|Could not find"))
    for i, var in enumerate(["DATABASE_URL", "RAILS_MASTER_KEY", "SECRET_KEY_BASE", "REDIS_URL", "STRIPE_API_KEY", "AWS_REGION",
                             "SENTRY_DSN", "GITHUB_TOKEN", "SMTP_PASSWORD", "S3_BUCKET"]):
        shape = i % 3
        if shape == 0:
            code = f"config = {{ url: ENV.fetch('{var}') }}\nputs config\n"
            exp = "key not found"
        elif shape == 1:
            code = f"token = ENV['{var}']\nputs token.strip\n"
            exp = "undefined method"
        else:
            code = f"abort \"#{{'{var}'}} is not set\" if ENV['{var}'].to_s.empty?\n"
            exp = "is not set"
        cases.append(Case("environment_variable", f"ruby ENV {var} unset (shape {shape})", join(pre(rng), "ruby config/boot.rb"),
                          files={"config/boot.rb": code}, kind="shell", expect=exp))
    eqs = [("status", "404", "200"), ("body", "'ok'", "'healthy'"), ("hash", "{ id: 1, name: 'ada' }", "{ id: 1, name: 'Ada' }"),
           ("array", "[1, 2, 4]", "[1, 2, 3]"), ("version", "'2.1.0'", "'2.0.0'"), ("content type", "'text/html'", "'application/json'")]
    for rep in range(2):
        for what, actual, expected in eqs:
            if rep == 0:
                files = {"spec/api_spec.rb": f"RSpec.describe 'API' do\n  it 'returns the expected {what}' do\n    actual = {actual}\n    expect(actual).to eq({expected})\n  end\n\n  it 'adds' do\n    expect(1 + 1).to eq(2)\n  end\nend\n"}
                cmd = rng.choice(["rspec", "rspec --format documentation"])
            else:
                files = {"test/api_test.rb": f"require 'minitest/autorun'\n\nclass ApiTest < Minitest::Test\n  def test_{what.replace(' ', '_')}\n    assert_equal {expected}, {actual}\n  end\nend\n"}
                cmd = "ruby -Itest test/api_test.rb"
            cases.append(Case("api_contract_mismatch", f"{'rspec eq' if rep == 0 else 'minitest assert_equal'} {what}", join(pre(rng), cmd),
                              files=files, kind="shell", expect="expected|Expected"))
    for what, call in [("renamed method", "client.fetch_user(1)"), ("removed keyword", "client.get_user(1, retries: 3)")]:
        files = {"lib/client.rb": "class Client\n  def get_user(id)\n    { id: id }\n  end\nend\n",
                 "bin/sync": f"require_relative '../lib/client'\n\nclient = Client.new\nputs {call}\n"}
        cases.append(Case("api_contract_mismatch", f"ruby changed interface: {what}", join(pre(rng), "ruby bin/sync"), files=files, kind="shell",
                          expect="undefined method|unknown keyword|wrong number of arguments"))
    for rep in range(4):
        port = common.closed_port(rng)
        files = {"bin/check": f"require 'net/http'\n\nres = Net::HTTP.get_response(URI('http://127.0.0.1:{port}/health'))\nputs res.code\n"}
        cases.append(Case("network_timeout", "ruby Net::HTTP to closed loopback port", join(pre(rng), "ruby bin/check"), files=files, kind="shell",
                          expect="ECONNREFUSED|Connection refused"))
    for rep in range(3):
        port = rng.choice(svc.hang_ports)
        files = {"bin/fetch": f"require 'net/http'\n\nhttp = Net::HTTP.new('127.0.0.1', {port})\nhttp.read_timeout = 1\nputs http.get('/api/report').code\n"}
        cases.append(Case("network_timeout", "ruby Net::ReadTimeout against a silent loopback server", join(pre(rng), "ruby bin/fetch"), files=files,
                          kind="shell", expect="ReadTimeout"))
    for host in ["db", "redis", "rubygems.org"]:
        files = {"bin/resolve": f"require 'socket'\n\nTCPSocket.new('{host}', 5432)\n"}
        cases.append(Case("network_timeout", f"ruby DNS failure for {host} (no network namespace)", join(pre(rng), "ruby bin/resolve"), files=files,
                          kind="shell", netns=True, expect="getaddrinfo|SocketError|resolution"))

    def chmod(path: str, mode: int):
        def f(ws):
            import os
            os.chmod(ws / path, mode)
        return f

    for rep in range(2):
        for what, target, mode, code in [("write read-only file", "tmp/cache.json", 0o444, "File.write('tmp/cache.json', '{}')\n"),
                                         ("mkdir under /var", None, 0, "require 'fileutils'\nFileUtils.mkdir_p('/var/lib/acme/uploads')\n"),
                                         ("read chmod-000 key", "config/master.key", 0o000, "puts File.read('config/master.key').size\n")]:
            files = {"script/run.rb": code, "tmp/cache.json": "{}", "config/master.key": "k"}
            cases.append(Case("permission_denied", f"ruby as unprivileged user: {what}", join(pre(rng), "ruby script/run.rb"), files=files,
                              user="nobody", prepare=chmod(target, mode) if target else None, kind="shell", expect="EACCES|Permission denied"))
    configs = [("config/database.yml", "default: &default\n  adapter: postgresql\n  pool: 5\n development:\n  <<: *default\n", "require 'yaml'\nYAML.load_file('config/database.yml')\n", "Psych::SyntaxError|did not find"),
               ("config/settings.yml", "app:\n  name: \"acme\n  port: 3000\n", "require 'yaml'\nputs YAML.load_file('config/settings.yml')\n", "Psych::SyntaxError|found unexpected"),
               ("config/flags.json", "{\"beta\": true,}\n", "require 'json'\nJSON.parse(File.read('config/flags.json'))\n", "JSON::ParserError|unexpected"),
               ("Gemfile", "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem 'pg' '1.5'\nend\n", None, "error|Error")]
    for rep in range(2):
        for fname, text, code, exp in configs:
            files = {fname: text}
            if code:
                files["script/load.rb"] = code
                cmd = "ruby script/load.rb"
            else:
                cmd = "bundle install"
            cases.append(Case("configuration_error", f"ruby broken {fname}", join(pre(rng), cmd), files=files, kind="shell", netns=True, expect=exp))
    for rep in range(2):
        for what, code, exp in [("SyntaxError", "def total(items)\n  items.sum(&:price\nend\n", "syntax error"),
                                ("NoMethodError on nil", "order = nil\nputs order.total\n", "undefined method"),
                                ("ZeroDivisionError", "puts 10 / [].size\n", "ZeroDivisionError"),
                                ("NameError", "puts totl\n", "NameError|undefined local variable"),
                                ("raise", "raise ArgumentError, 'invalid currency: XYZ'\n", "ArgumentError"),
                                ("rspec be >", None, "expected")]:
            if code is None:
                files = {"spec/perf_spec.rb": "RSpec.describe 'perf' do\n  it 'is fast' do\n    expect(1250).to be < 1000\n  end\nend\n"}
                cmd = "rspec"
            else:
                files = {"lib/job.rb": code}
                cmd = "ruby lib/job.rb"
            cases.append(Case("other", f"ruby failure: {what}", join(pre(rng), cmd), files=files, kind="shell", expect=exp))
    return cases


if __name__ == "__main__":
    common.main("ruby", build, workers=3)
