"""The portal: pages for crews, the agency and auditors over the three APIs; it owns only accounts and sessions."""
