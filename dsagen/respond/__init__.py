"""Answer the partner: decide each deviation per the playbook's response policy, write the
counter-draft over their DOCX and the issues list for the approvers (`dsagen respond`)."""
